-- Prosody: attach Switchboard as an external component (XEP-0114).
-- Add to /etc/prosody/prosody.cfg.lua (or a file in conf.d/), then
-- `prosodyctl reload`.

-- Listen for components on loopback only; Switchboard runs on this host.
component_ports = { 5347 }
component_interface = "127.0.0.1"

Component "sms.example.org"
    component_secret = "change me" -- the same as [component] secret
    -- Let users' messages reach the gateway even from their offline storage.
    modules_enabled = { }

-- Prosody allows one connection per component domain: run one Switchboard
-- instance per domain (a second one is refused while the first is up).
