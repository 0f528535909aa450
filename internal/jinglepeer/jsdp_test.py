"""Unit tests for jsdp, run by TestJSDP (go test) with /usr/bin/python3."""

import random
import unittest
import xml.etree.ElementTree as ET

import jsdp
from jsdp import q

OFFER = "\r\n".join([
    "v=0",
    "o=- 1 1 IN IP4 0.0.0.0",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0",
    "a=msid-semantic:WMS *",
    "m=audio 5000 UDP/TLS/RTP/SAVPF 111 0 8 101",
    "c=IN IP4 127.0.0.1",
    "a=sendrecv",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=mid:0",
    "a=rtcp-mux",
    "a=ssrc:42 cname:abc",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtcp-fb:111 transport-cc",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-16",
    "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host",
    "a=candidate:2 1 udp 1694498815 198.51.100.7 6000 typ srflx raddr 127.0.0.1 rport 5000 generation 0",
    "a=candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active",
    "a=candidate:4 2 udp 2130706430 127.0.0.1 5001 typ host",
    "a=end-of-candidates",
    "a=ice-ufrag:uf",
    "a=ice-pwd:pwpwpwpwpwpwpwpwpwpwpw",
    "a=fingerprint:sha-256 AA:BB",
    "a=fingerprint:sha-512 CC:DD",
    "a=setup:actpass",
    "",
])

# What Conversations sends, trimmed.
CONVERSATIONS = """
<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="s1" initiator="a@localhost/c">
 <content creator="initiator" name="0" senders="both">
  <description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio">
   <payload-type id="111" name="opus" clockrate="48000" channels="2">
    <parameter name="useinbandfec" value="1"/>
    <rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="transport-cc"/>
   </payload-type>
   <payload-type id="0" name="PCMU" clockrate="8000"/>
   <payload-type id="126" name="telephone-event" clockrate="8000"/>
   <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="1" uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"/>
   <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="123"><parameter name="cname" value="x"/></source>
   <rtcp-mux/>
  </description>
  <transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="U" pwd="P">
   <fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="actpass">AA:BB</fingerprint>
   <candidate component="1" foundation="1" generation="0" id="c1" ip="127.0.0.1" network="0" port="4000" priority="2122260223" protocol="udp" type="host"/>
   <candidate component="1" foundation="2" generation="0" id="c2" ip="127.0.0.1" network="0" port="9" priority="1" protocol="tcp" type="host"/>
  </transport>
 </content>
 <group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics="BUNDLE"><content name="0"/></group>
</jingle>
"""


class SDPToJingle(unittest.TestCase):
    def setUp(self):
        self.j = jsdp.sdp_to_jingle(OFFER, "session-initiate", "sid1", "initiator", initiator="a@localhost/r")

    def test_envelope(self):
        self.assertEqual(self.j.get("action"), "session-initiate")
        self.assertEqual(self.j.get("initiator"), "a@localhost/r")
        contents = self.j.findall(q(jsdp.NS_JINGLE, "content"))
        self.assertEqual([(c.get("name"), c.get("senders"), c.get("creator")) for c in contents],
                         [("0", "both", "initiator")])
        g = self.j.find(q(jsdp.NS_GROUP, "group"))
        self.assertEqual([c.get("name") for c in g], ["0"])

    def test_payload_types(self):
        pts = self.j.findall(".//" + q(jsdp.NS_RTP, "payload-type"))
        self.assertEqual([(p.get("id"), p.get("name"), p.get("clockrate"), p.get("channels")) for p in pts], [
            ("111", "opus", "48000", "2"), ("0", "PCMU", "8000", None),
            ("8", "PCMA", "8000", None), ("101", "telephone-event", "8000", None)])
        opus = pts[0]
        self.assertEqual([(x.get("name"), x.get("value")) for x in opus.findall(q(jsdp.NS_RTP, "parameter"))],
                         [("minptime", "10"), ("useinbandfec", "1")])
        self.assertEqual(opus.find(q(jsdp.NS_FB, "rtcp-fb")).get("type"), "transport-cc")
        dtmf = pts[3].find(q(jsdp.NS_RTP, "parameter"))
        self.assertEqual((dtmf.get("name"), dtmf.get("value")), ("", "0-16"))

    def test_transport(self):
        tr = self.j.find(".//" + q(jsdp.NS_ICE, "transport"))
        self.assertEqual((tr.get("ufrag"), tr.get("pwd")), ("uf", "pwpwpwpwpwpwpwpwpwpwpw"))
        fps = tr.findall(q(jsdp.NS_DTLS, "fingerprint"))
        self.assertEqual([(f.get("hash"), f.get("setup"), f.text) for f in fps], [("sha-256", "actpass", "AA:BB")])
        cands = tr.findall(q(jsdp.NS_ICE, "candidate"))
        # TCP and component 2 are dropped.
        self.assertEqual([c.get("foundation") for c in cands], ["1", "2"])
        self.assertEqual((cands[1].get("rel-addr"), cands[1].get("rel-port"), cands[1].get("type")),
                         ("127.0.0.1", "5000", "srflx"))
        for c in cands:
            self.assertTrue(c.get("id"))

    def test_ssrc_and_hdrext(self):
        src = self.j.find(".//" + q(jsdp.NS_SSMA, "source"))
        self.assertEqual(src.get("ssrc"), "42")
        h = self.j.find(".//" + q(jsdp.NS_HDREXT, "rtp-hdrext"))
        self.assertEqual((h.get("id"), h.get("uri")), ("1", "urn:ietf:params:rtp-hdrext:ssrc-audio-level"))
        self.assertIsNotNone(self.j.find(".//" + q(jsdp.NS_RTP, "rtcp-mux")))

    def test_no_bundle(self):
        j = jsdp.sdp_to_jingle(OFFER, "session-initiate", "s", "initiator", bundle=False)
        self.assertIsNone(j.find(q(jsdp.NS_GROUP, "group")))

    def test_round_trip(self):
        text, mids = jsdp.jingle_to_sdp(self.j, "initiator", True)
        self.assertEqual(mids, ["0"])
        for line in ["a=group:BUNDLE 0", "a=mid:0", "a=sendrecv", "a=rtcp-mux", "a=setup:actpass",
                     "a=fingerprint:sha-256 AA:BB", "a=ice-ufrag:uf", "a=rtpmap:111 opus/48000/2",
                     "a=fmtp:111 minptime=10;useinbandfec=1", "a=fmtp:101 0-16", "a=rtcp-fb:111 transport-cc",
                     "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host generation 0",
                     "a=candidate:2 1 udp 1694498815 198.51.100.7 6000 typ srflx raddr 127.0.0.1 rport 5000 generation 0",
                     "a=ssrc:42 cname:abc", "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 101"]:
            self.assertIn(line, text.split("\r\n"))
        again = jsdp.sdp_to_jingle(text, "session-initiate", "sid1", "initiator", initiator="a@localhost/r")
        strip = lambda j: [e for e in j.iter() if e.tag != q(jsdp.NS_ICE, "candidate")]
        self.assertEqual([(e.tag, sorted(e.attrib.items()), e.text) for e in strip(again)],
                         [(e.tag, sorted(e.attrib.items()), e.text) for e in strip(self.j)])


class JingleToSDP(unittest.TestCase):
    def test_conversations(self):
        j = ET.fromstring(CONVERSATIONS)
        text, mids = jsdp.jingle_to_sdp(j, "initiator", True)
        lines = text.split("\r\n")
        self.assertEqual(mids, ["0"])
        for line in ["m=audio 9 UDP/TLS/RTP/SAVPF 111 0 126", "a=rtpmap:111 opus/48000/2",
                     "a=fmtp:111 useinbandfec=1", "a=rtcp-fb:111 transport-cc", "a=rtpmap:0 PCMU/8000",
                     "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=ssrc:123 cname:x",
                     "a=group:BUNDLE 0", "a=setup:actpass", "a=rtcp-mux"]:
            self.assertIn(line, lines)
        self.assertEqual([l for l in lines if l.startswith("a=candidate")],
                         ["a=candidate:1 1 udp 2122260223 127.0.0.1 4000 typ host generation 0"])

    def test_codec_filter(self):
        j = ET.fromstring(CONVERSATIONS)
        text, _ = jsdp.jingle_to_sdp(j, "initiator", True, codecs={"pcmu"})
        self.assertIn("m=audio 9 UDP/TLS/RTP/SAVPF 0", text.split("\r\n"))
        with self.assertRaises(jsdp.MappingError):
            jsdp.jingle_to_sdp(j, "initiator", True, codecs={"g722"})

    def test_senders(self):
        cases = [  # senders, writer, direction
            ("both", "initiator", "sendrecv"), (None, "responder", "sendrecv"),
            ("initiator", "initiator", "sendonly"), ("initiator", "responder", "recvonly"),
            ("responder", "initiator", "recvonly"), ("responder", "responder", "sendonly"),
            ("none", "initiator", "inactive"),
        ]
        for senders, writer, direction in cases:
            self.assertEqual(jsdp.direction_from_senders(senders, writer), direction)
            self.assertEqual(jsdp.senders_from_direction(direction, writer), senders or "both")

    def test_answer_default_setup(self):
        j = ET.fromstring(CONVERSATIONS.replace(' setup="actpass"', ""))
        self.assertIn("a=setup:active", jsdp.jingle_to_sdp(j, "responder", False)[0])
        self.assertIn("a=setup:actpass", jsdp.jingle_to_sdp(j, "initiator", True)[0])

    def test_errors(self):
        cases = {
            "no transport": CONVERSATIONS.replace("transports:ice-udp:1", "transports:raw-udp:1"),
            "no fingerprint": CONVERSATIONS.replace("apps:dtls:0", "apps:dtls:9"),
            "bad pt": CONVERSATIONS.replace('id="0"', 'id="x"'),
            "bad setup": CONVERSATIONS.replace('setup="actpass"', 'setup="holdconn"'),
            "no ufrag": CONVERSATIONS.replace('ufrag="U"', ""),
            "no content": '<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="s"/>',
            "bad ssrc": CONVERSATIONS.replace('ssrc="123"', 'ssrc="-1"'),
        }
        for name, x in cases.items():
            with self.subTest(name), self.assertRaises(jsdp.MappingError):
                jsdp.jingle_to_sdp(ET.fromstring(x), "initiator", True)

    def test_transport_info(self):
        j = ET.fromstring(CONVERSATIONS)
        content = j.find(q(jsdp.NS_JINGLE, "content"))
        self.assertEqual(jsdp.transport_candidates(content),
                         ["1 1 udp 2122260223 127.0.0.1 4000 typ host generation 0"])


class Fuzz(unittest.TestCase):
    """Random mutations must end in MappingError, never another exception."""

    def mutate(self, rng, s):
        b = list(s)
        for _ in range(rng.randint(1, 8)):
            op = rng.randint(0, 2)
            i = rng.randrange(len(b))
            if op == 0:
                del b[i]
            elif op == 1:
                b.insert(i, rng.choice(' :=/"<>\r\n0123456789abcxyz'))
            else:
                j = rng.randrange(len(b))
                b[i], b[j] = b[j], b[i]
        return "".join(b)

    def test_sdp(self):
        rng = random.Random(1)
        for _ in range(3000):
            text = self.mutate(rng, OFFER)
            try:
                jsdp.sdp_to_jingle(text, "session-accept", "s", rng.choice(["initiator", "responder"]))
            except jsdp.MappingError:
                pass

    def test_jingle(self):
        rng = random.Random(2)
        for _ in range(3000):
            x = self.mutate(rng, CONVERSATIONS)
            try:
                j = ET.fromstring(x)
            except ET.ParseError:
                continue
            try:
                jsdp.jingle_to_sdp(j, "initiator", rng.choice([True, False]))
            except jsdp.MappingError:
                pass
            for content in j.iter(q(jsdp.NS_JINGLE, "content")):
                try:
                    jsdp.transport_candidates(content)
                except jsdp.MappingError:
                    pass


if __name__ == "__main__":
    unittest.main()
