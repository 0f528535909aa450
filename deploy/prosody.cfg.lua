-- Prosody 0.12: attach Switchboard as an external component (XEP-0114).
-- Add to /etc/prosody/prosody.cfg.lua (or a file in conf.d/), then
-- `prosodyctl reload`.

-- Listen for components on loopback only; Switchboard runs on this host.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

Component "sms.example.org"
    component_secret = "change me" -- the same as [component] secret

-- Prosody allows one connection per component domain: run one Switchboard
-- instance per domain (a second one is refused while the first is up).
-- Users' messages to phone numbers are ordinary chat messages, so
-- mod_offline and mod_mam on the users' host keep inbound SMS for them.
