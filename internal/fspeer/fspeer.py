#!/usr/bin/python3
"""A Gajim-like Jingle caller for tests: the media stack Gajim 1.7 uses
(GStreamer's fsrtpconference with farstream's libnice transmitter: plain
RTP/AVP over ICE-UDP, RTP on component 1 and RTCP on component 2, no DTLS)
driven over slixmpp instead of nbxmpp. It calls --to with a bare
session-initiate (Gajim has no XEP-0353), or with --answer adds that
contact and answers its session-initiate; it sends a 440 Hz tone, counts
the RTP buffers farstream decodes from the other side, hangs up after
--seconds and prints one JSON line: {"accepted", "received", "states",
"error"} (before it, {"ready": true} once an --answer contact is added).
"""
import argparse
import asyncio
import json
import logging
import os
import sys
import uuid

import gi

gi.require_version("Gst", "1.0")
gi.require_version("Farstream", "0.2")
from gi.repository import Farstream, Gst  # noqa: E402

import slixmpp  # noqa: E402
from slixmpp.exceptions import IqError, IqTimeout  # noqa: E402
from slixmpp.xmlstream import ET  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

NS_JINGLE = "urn:xmpp:jingle:1"
NS_RTP = "urn:xmpp:jingle:apps:rtp:1"
NS_ICE = "urn:xmpp:jingle:transports:ice-udp:1"
AUDIO = Farstream.MediaType.AUDIO
TYPES = {Farstream.CandidateType.HOST: "host", Farstream.CandidateType.SRFLX: "srflx",
         Farstream.CandidateType.PRFLX: "prflx", Farstream.CandidateType.RELAY: "relay"}


def q(ns, tag):
    return "{%s}%s" % (ns, tag)


class Media:
    """The farstream side, built as gajim/common/jingle_rtp.py builds it."""

    def __init__(self, controlling):
        self.pipeline = Gst.Pipeline()
        self.conference = Gst.ElementFactory.make("fsrtpconference", None)
        self.pipeline.add(self.conference)
        self.session = self.conference.new_session(AUDIO)
        self.session.set_codec_preferences([
            Farstream.Codec.new(0, "PCMU", AUDIO, 8000),
            Farstream.Codec.new(8, "PCMA", AUDIO, 8000),
        ])
        participant = self.conference.new_participant()
        self.stream = self.session.new_stream(participant, Farstream.StreamDirection.BOTH)
        self.stream.connect("src-pad-added", self.on_src_pad)
        # Gajim: controlling-mode is whether we initiated.
        self.stream.set_transmitter_ht("nice", {"controlling-mode": controlling, "debug": False})
        src = Gst.parse_bin_from_description(
            "audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1"
            " ! audioconvert ! audioresample", True)
        self.pipeline.add(src)
        src.get_static_pad("src").link(self.session.get_property("sink-pad"))
        self.candidates = []
        self.prepared = False
        self.codecs_ready = False
        self.received = 0
        self.states = {}
        self.errors = []
        self.pipeline.set_state(Gst.State.PLAYING)

    def on_src_pad(self, _stream, pad, _codec):
        sink = Gst.ElementFactory.make("fakesink", None)
        sink.set_property("signal-handoffs", True)
        sink.set_property("sync", False)
        sink.connect("handoff", self.on_buffer)
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    def on_buffer(self, *_):
        self.received += 1

    def poll(self):
        bus = self.pipeline.get_bus()
        while True:
            msg = bus.pop()
            if msg is None:
                return
            if msg.type == Gst.MessageType.ERROR:
                self.errors.append(str(msg.parse_error()[0].message))
                continue
            if msg.type != Gst.MessageType.ELEMENT:
                continue
            name = msg.get_structure().get_name()
            if name == "farstream-new-local-candidate":
                self.candidates.append(self.stream.parse_new_local_candidate(msg)[1])
            elif name == "farstream-local-candidates-prepared":
                self.prepared = True
            elif name == "farstream-codecs-changed":
                self.codecs_ready = bool(self.session.get_property("codecs"))
            elif name == "farstream-component-state-changed":
                s = msg.get_structure()
                self.states[s.get_value("component")] = s.get_value("state").value_nick

    def description(self):
        d = ET.Element(q(NS_RTP, "description"), media="audio")
        for c in self.session.get_property("codecs"):
            if c.encoding_name.upper() in ("PCMU", "PCMA"):
                ET.SubElement(d, q(NS_RTP, "payload-type"), id=str(c.id), name=c.encoding_name,
                              clockrate=str(c.clock_rate), channels="1")
        return d

    def transport(self):
        t = ET.Element(q(NS_ICE, "transport"))
        if self.candidates:
            t.set("ufrag", self.candidates[0].username)
            t.set("pwd", self.candidates[0].password)
        for c in self.candidates:
            ET.SubElement(t, q(NS_ICE, "candidate"), component=str(c.component_id), foundation="1",
                          generation="0", ip=c.ip, network="0", port=str(c.port),
                          priority=str(int(c.priority)), type=TYPES.get(c.type, "host"),
                          # as Gajim: libnice's TCP candidates go out as tcp
                          protocol="udp" if c.proto == Farstream.NetworkProtocol.UDP else "tcp",
                          id=str(uuid.uuid4()))
        return t

    def take_remote(self, content):
        codecs = []
        for pt in content.find(q(NS_RTP, "description")).findall(q(NS_RTP, "payload-type")):
            c = Farstream.Codec.new(int(pt.get("id")), pt.get("name"), AUDIO, int(pt.get("clockrate")))
            c.channels = 1
            codecs.append(c)
        self.stream.set_remote_codecs(codecs)
        self.add_candidates(content.find(q(NS_ICE, "transport")))

    def add_candidates(self, t):
        cands = []
        for c in t.findall(q(NS_ICE, "candidate")):
            cands.append(Farstream.Candidate.new_full(
                c.get("foundation"), int(c.get("component")), c.get("ip"), int(c.get("port")), None, 0,
                Farstream.NetworkProtocol.UDP, int(c.get("priority")), Farstream.CandidateType.HOST,
                t.get("ufrag"), t.get("pwd"), 0))
        if cands:
            self.stream.add_remote_candidates(cands)

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


class Caller(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid + "/fspeer", args.password)
        self.args = args
        self.sid = uuid.uuid4().hex
        self.peer = None
        self.media = None
        self.accepted = asyncio.Event()
        self.ended = asyncio.Event()
        self.done = asyncio.Event()
        self.result = {"accepted": False, "received": 0, "states": {}, "error": ""}
        self["feature_mechanisms"].unencrypted_plain = True
        self.add_event_handler("session_start", self.on_start)
        # What Gajim 1.7 tells disco#info about Jingle: no XEP-0353, no DTLS.
        self.register_plugin("xep_0030")
        self.add_event_handler("presence_subscribe", self.on_subscribe)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.register_handler(Callback("jingle", MatchXPath("{jabber:client}iq/{%s}jingle" % NS_JINGLE), self.on_jingle))

    def fail(self, why):
        self.result["error"] = why
        self.done.set()

    async def on_start(self, _):
        for f in ("urn:xmpp:jingle:1", NS_RTP, "urn:xmpp:jingle:apps:rtp:audio", NS_ICE):
            self["xep_0030"].add_feature(f)
        self["xep_0030"].add_identity(category="client", itype="pc", name="fspeer")
        self.send_presence()
        if self.args.answer:
            # Add the contact as a user does; its subscription back is
            # granted (on_subscribe), so the user's presence reaches it.
            self.send_presence(pto=self.args.answer, ptype="subscribe")
            return
        try:
            await self.call()
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.fail("%s: %s" % (type(e).__name__, e))
        self.done.set()

    def on_subscribe(self, p):
        self.send_presence(pto=p["from"].bare, ptype="subscribed")
        self.send_presence(pto=p["from"].bare)
        print(json.dumps({"ready": True}), flush=True)

    async def answer(self, iq, j):
        """Answers a session-initiate as Gajim does when its user clicks
        Accept: farstream takes the offer and its answer goes back."""
        try:
            self.sid, self.peer = j.get("sid"), iq["from"].full
            m = self.media = Media(controlling=False)
            content = j.find(q(NS_JINGLE, "content"))
            m.take_remote(content)
            await self.prepared(m)
            a = ET.Element(q(NS_JINGLE, "jingle"), action="session-accept", sid=self.sid,
                           initiator=j.get("initiator"), responder=self.boundjid.full)
            c = ET.SubElement(a, q(NS_JINGLE, "content"), creator=content.get("creator"),
                              name=content.get("name"), senders="both")
            c.append(m.description())
            c.append(m.transport())
            r = self.make_iq_set(ito=self.peer)
            r.xml.append(a)
            await r.send(timeout=30)
            self.result["accepted"] = True
            await self.talk(m)
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.fail("%s: %s" % (type(e).__name__, e))
        self.done.set()

    async def call(self):
        m = self.media = Media(controlling=True)
        await self.prepared(m)
        j = ET.Element(q(NS_JINGLE, "jingle"), action="session-initiate", sid=self.sid, initiator=self.boundjid.full)
        content = ET.SubElement(j, q(NS_JINGLE, "content"), creator="initiator", name="voice", senders="both")
        content.append(m.description())
        content.append(m.transport())
        self.peer = self.args.to
        iq = self.make_iq_set(ito=self.peer)
        iq.xml.append(j)
        try:
            await iq.send(timeout=30)
        except (IqError, IqTimeout) as e:
            raise RuntimeError("session-initiate refused: %s" % e)
        await asyncio.wait_for(self.accepted.wait(), 30)
        self.result["accepted"] = True
        await self.talk(m)

    async def prepared(self, m):
        for _ in range(500):
            m.poll()
            if m.prepared and m.codecs_ready:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("farstream gave no candidates or codecs (errors: %s)" % m.errors)

    async def talk(self, m):
        """Lets the call run for --seconds (or until the peer ends it),
        then records what farstream saw and hangs up."""
        for _ in range(int(self.args.seconds * 100)):
            m.poll()
            if self.ended.is_set():
                break
            await asyncio.sleep(0.01)
        self.result["received"] = m.received
        self.result["states"] = {str(k): v for k, v in m.states.items()}
        if m.errors:
            self.result["error"] = "; ".join(m.errors)
        if not self.ended.is_set():
            j = ET.Element(q(NS_JINGLE, "jingle"), action="session-terminate", sid=self.sid)
            ET.SubElement(ET.SubElement(j, q(NS_JINGLE, "reason")), q(NS_JINGLE, "success"))
            iq = self.make_iq_set(ito=self.peer)
            iq.xml.append(j)
            try:
                await iq.send(timeout=10)
            except (IqError, IqTimeout):
                pass

    def on_jingle(self, iq):
        if iq["type"] != "set":
            return
        j = iq.xml.find(q(NS_JINGLE, "jingle"))
        action = j.get("action")
        iq.reply(clear=True).send()
        if action == "session-initiate" and self.args.answer and self.media is None:
            asyncio.ensure_future(self.answer(iq, j))
            return
        if j.get("sid") != self.sid or self.media is None:
            return
        if action == "session-accept":
            self.media.take_remote(j.find(q(NS_JINGLE, "content")))
            self.accepted.set()
        elif action == "transport-info":
            for c in j.findall(q(NS_JINGLE, "content")):
                self.media.add_candidates(c.find(q(NS_ICE, "transport")))
        elif action == "session-terminate":
            self.ended.set()
            self.accepted.set()


async def run(args):
    c = Caller(args)
    host, _, port = args.server.rpartition(":")
    c.connect(address=(host, int(port)), force_starttls=False, disable_starttls=True)
    try:
        await asyncio.wait_for(c.done.wait(), args.seconds + (240 if args.answer else 60))
    except asyncio.TimeoutError:
        c.result["error"] = c.result["error"] or "timed out"
    if c.media is not None:
        c.media.stop()
    print(json.dumps(c.result), flush=True)
    try:
        await asyncio.wait_for(c.disconnect(wait=1.0), 3)
    except Exception:  # noqa: BLE001 - leaving anyway
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--server", required=True, help="host:port of plain c2s")
    p.add_argument("--to", default="", help="full JID to call")
    p.add_argument("--answer", default="", help="instead of calling: add this contact and answer its call")
    p.add_argument("--seconds", type=float, default=4)
    args = p.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    Gst.init(None)
    # libsrtp2 2.5 refuses the null-cipher stream farstream's rtpbin asks
    # srtpenc for ("Could not initialize SRTP encoder", cisco/libsrtp#728):
    # without the srtp elements farstream sends plain RTP as it should.
    reg = Gst.Registry.get()
    for name in ("srtpenc", "srtpdec"):
        f = reg.lookup_feature(name)
        if f is not None:
            reg.remove_feature(f)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(run(args))
    os._exit(0)


if __name__ == "__main__":
    main()
