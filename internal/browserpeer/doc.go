// Package browserpeer is a test peer: a real XMPP Jingle client running in
// headless Chromium (libwebrtc, the stack of Conversations and browsers)
// with the npm stanza library over Prosody's WebSocket, driven from Go tests
// with the same JSON-line commands and events as jinglepeer.
package browserpeer
