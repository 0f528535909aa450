// Package launch runs private instances of the servers Switchboard works
// with (Redis, Prosody) from a directory of their own, on free loopback
// ports. The demo (cmd/switchboard-demo) and the integration tests
// (internal/testenv) start their servers with it.
//
// Every server listens on 127.0.0.1 only, keeps its config, data and logs in
// the directory it is given, and runs in its own process group, which Stop
// kills entirely. A missing binary is an error that names the Debian package
// to install.
package launch
