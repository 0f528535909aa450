#!/usr/bin/python3
"""An independent Jingle audio peer for end-to-end tests.

It logs in to an XMPP server like a user (slixmpp), makes and answers
XEP-0353/XEP-0166/XEP-0167 audio calls with aiortc (ICE + DTLS-SRTP), sends a
sine tone and measures the tone it receives. Commands arrive as JSON lines
on stdin; events leave as JSON lines on stdout. See README.md.
"""

import argparse
import asyncio
import fractions
import json
import logging
import os
import random
import string
import sys
import time
import xml.etree.ElementTree as ET

EVENTS_OUT = sys.stdout


def emit(event, **fields):
    fields = dict(fields)
    fields["event"] = event
    EVENTS_OUT.write(json.dumps(fields, sort_keys=True) + "\n")
    EVENTS_OUT.flush()


try:
    import numpy as np
    import av
    import aioice.ice
    from aiortc import (
        RTCConfiguration,
        RTCPeerConnection,
        RTCRtpSender,
        RTCSessionDescription,
    )
    from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
    from aiortc.sdp import candidate_from_sdp
    import slixmpp
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath
except ImportError as e:  # the Go wrapper turns this into a t.Fatal
    emit("fatal", missing=e.name,
         error="missing Python module %s: install the Debian packages python3-aiortc and python3-slixmpp" % e.name)
    sys.exit(3)

import jsdp
from jsdp import NS_JINGLE, q


def _decode_any_ptime(self, encoded_frame):
    """aiortc 1.4 decodes G.711 only in 20 ms packets and its decoder thread
    dies on others; telephone networks also send 30 and 60 ms (SIPp's
    g711a.pcap has 30 ms), which real WebRTC stacks play."""
    from aiortc.codecs import g711
    pcm = self._convert(encoded_frame.data, g711.SAMPLE_WIDTH)
    frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // g711.SAMPLE_WIDTH)
    frame.planes[0].update(pcm)
    frame.pts = encoded_frame.timestamp
    frame.sample_rate = g711.SAMPLE_RATE
    frame.time_base = g711.TIME_BASE
    return [frame]


def _patch_g711():
    from aiortc.codecs import g711
    g711.PcmDecoder.decode = _decode_any_ptime


_patch_g711()


def _enable_telephone_event():
    """aiortc 1.4 has no RFC 4733. With --dtmf, negotiate
    telephone-event/8000 and report each digit received as a "dtmf" event
    (once per event, on its end bit) instead of feeding it to a decoder."""
    from aiortc import codecs as ac, rtcrtpreceiver
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters
    ac.CODECS["audio"].append(RTCRtpCodecParameters(
        mimeType="audio/telephone-event", clockRate=8000, channels=1, payloadType=101))
    orig = rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet
    seen = set()

    async def handle(self, packet, arrival_time_ms):
        codec = self._RTCRtpReceiver__codecs.get(packet.payload_type)
        if codec is not None and codec.mimeType.lower() == "audio/telephone-event":
            p = packet.payload
            if len(p) >= 4 and p[1] & 0x80 and (packet.ssrc, packet.timestamp) not in seen:
                seen.add((packet.ssrc, packet.timestamp))
                digit = "0123456789*#ABCD"[p[0]] if p[0] < 16 else str(p[0])
                emit("dtmf", digit=digit, pt=packet.payload_type)
            return
        return await orig(self, packet, arrival_time_ms)

    rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet = handle

NS_JMI = "urn:xmpp:jingle-message:0"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_HINTS = "urn:xmpp:hints"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_JINGLE_ERRORS = "urn:xmpp:jingle:errors:1"

FEATURES = [
    "urn:xmpp:jingle:1",
    "urn:xmpp:jingle:apps:rtp:1",
    "urn:xmpp:jingle:apps:rtp:audio",
    "urn:xmpp:jingle:transports:ice-udp:1",
    "urn:xmpp:jingle:apps:dtls:0",
    "urn:xmpp:jingle-message:0",
    "urn:xmpp:receipts",
    "urn:xmpp:ping",
]

REPORT_EVERY = 0.5  # seconds between tone/audio events
log = logging.getLogger("jinglepeer")


def new_sid():
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(16))


def reason_of(el):
    """(condition, text) of a Jingle <reason/> inside el, or ("", "")."""
    if el is None:
        return "", ""
    r = el.find(q(NS_JINGLE, "reason"))
    if r is None:
        return "", ""
    cond, text = "", ""
    for child in r:
        if child.tag == q(NS_JINGLE, "text"):
            text = child.text or ""
        elif child.tag.startswith("{%s}" % NS_JINGLE) and not cond:
            cond = child.tag.split("}", 1)[1]
    return cond, text


def reason_el(cond, text=None):
    r = ET.Element(q(NS_JINGLE, "reason"))
    ET.SubElement(r, q(NS_JINGLE, cond))
    if text:
        ET.SubElement(r, q(NS_JINGLE, "text")).text = text
    return r


def bare(jid):
    return jid.split("/", 1)[0]


# ---------------------------------------------------------------- media


class ToneTrack(MediaStreamTrack):
    """A sine tone in 20 ms frames, paced in real time; aiortc resamples it
    for the negotiated codec."""

    kind = "audio"

    def __init__(self, freq, rate=48000, amplitude=0.3):
        super().__init__()
        self.freq = freq
        self.rate = rate
        self.amplitude = amplitude
        self.samples = rate // 50
        self._start = None
        self._pts = 0

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            wait = self._start + self._pts / self.rate - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        n = np.arange(self._pts, self._pts + self.samples)
        data = np.sin(2 * np.pi * self.freq * n / self.rate) * self.amplitude * 32767
        frame = av.AudioFrame.from_ndarray(data.astype(np.int16).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, self.rate)
        self._pts += self.samples
        return frame


def tone_power(x, rate, freq):
    """Power of freq in x relative to the total: 1 for a pure tone at freq,
    near 0 when freq is absent. This is the single-bin DFT that a Goertzel
    filter computes, evaluated with numpy rather than a Python loop."""
    n = len(x)
    energy = float(np.dot(x, x))
    if n == 0 or energy <= 0:
        return 0.0
    w = 2 * np.pi * freq / rate
    k = np.arange(n)
    re = float(np.dot(x, np.cos(w * k)))
    im = float(np.dot(x, np.sin(w * k)))
    return min(1.0, 2 * (re * re + im * im) / (n * energy))


# ---------------------------------------------------------------- calls


class Call:
    """One call, from proposal (or session-initiate) to its end."""

    def __init__(self, sid, peer, role, jmi):
        self.sid = sid
        self.peer = peer  # full JID once known; bare JID while a JMI propose waits
        self.role = role  # "initiator" or "responder": who we are
        self.jmi = jmi
        self.state = "new"  # proposed, proceeded, pending, initiated, active, ended
        self.pc = None
        self.offer = None  # the session-initiate <jingle/> we received
        self.initiator = None
        self.answered = False
        self.remote_set = False
        self.queued = []  # trickled (mid, candidate) that came before the remote description
        self.tasks = []


class Peer(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid + "/" + args.resource if args.resource else args.jid, args.password)
        self.args = args
        self.calls = {}
        self.quit = asyncio.Event()
        self.ready = False
        self.codecs = [c.strip().lower() for c in args.codecs.split(",") if c.strip()]
        self.detect = [float(f) for f in (args.detect or str(args.tone)).split(",") if f.strip()]
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0115")
        self.register_plugin("xep_0199")
        self["feature_mechanisms"].unencrypted_plain = True
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", self.on_failed_auth)
        self.add_event_handler("disconnected", self.on_disconnected)
        # slixmpp's "message" event only covers messages with a body.
        self.register_handler(Callback(
            "any message", MatchXPath("{jabber:client}message"), self.on_message))
        self.register_handler(Callback(
            "jingle", MatchXPath("{jabber:client}iq/{%s}jingle" % NS_JINGLE), self.on_jingle_iq))

    # ------------------------------------------------------------ session

    async def on_start(self, _):
        for f in FEATURES:
            self["xep_0030"].add_feature(f)
        self["xep_0030"].add_identity(category="client", itype="phone", name="jinglepeer")
        await self["xep_0115"].update_caps(broadcast=False)
        self.send_presence()
        # A ping round trip proves the server has processed the presence, so
        # messages to the bare JID reach us from now on.
        try:
            await self["xep_0199"].ping(jid=self.boundjid.domain, timeout=20)
        except Exception as e:  # noqa: BLE001 - anything here is worth an event
            emit("error", what="ping after presence", error=str(e))
        self.ready = True
        emit("ready", jid=self.boundjid.full)

    def on_failed_auth(self, _):
        emit("fatal", error="authentication failed for %s" % self.args.jid)
        self.quit.set()

    def on_disconnected(self, reason):
        if not self.quit.is_set():
            emit("fatal", error="disconnected from the server: %s" % (reason,))
        self.quit.set()

    # ------------------------------------------------------------ sending

    def send_message_el(self, to, children, mid=None, mtype="chat"):
        m = self.make_message(mto=to, mtype=mtype)
        m["id"] = mid or "jp-" + new_sid()
        for c in children:
            m.xml.append(c)
        m.send()

    async def send_jingle(self, call, j):
        """Send a Jingle IQ and report an error reply as an event."""
        iq = self.make_iq_set(ito=call.peer)
        iq.xml.append(j)
        try:
            await iq.send(timeout=30)
            return True
        except IqError as e:
            err = e.iq["error"]
            extra = [c.tag.split("}", 1)[1] for c in err.xml if c.tag.startswith("{%s}" % NS_JINGLE_ERRORS)]
            emit("error", what="iq error reply", action=j.get("action"), sid=call.sid,
                 condition=err["condition"], text=err["text"], jingle=",".join(extra))
        except IqTimeout:
            emit("error", what="iq timeout", action=j.get("action"), sid=call.sid)
        return False

    def reply_error(self, iq, cond, jingle_cond=None, etype="cancel"):
        r = iq.reply(clear=True)
        r["type"] = "error"
        r["error"]["type"] = etype
        r["error"]["condition"] = cond
        if jingle_cond:
            r["error"].xml.append(ET.Element(q(NS_JINGLE_ERRORS, jingle_cond)))
        r.send()

    # ------------------------------------------------------------ JMI

    def on_message(self, msg):
        x = msg.xml
        frm = msg["from"].full
        if msg["type"] == "error":
            emit("error", what="message error", id=msg["id"], **{"from": frm},
                 condition=msg["error"]["condition"], text=msg["error"]["text"])
            return
        body = x.find("{jabber:client}body")
        if body is not None and body.text:
            url = x.find("{jabber:x:oob}x/{jabber:x:oob}url")
            emit("message", body=body.text, url=url.text if url is not None else "", **{"from": frm})
        rec = x.find(q(NS_RECEIPTS, "received"))
        if rec is not None and (rec.get("id") or "").startswith("jm-propose-"):
            emit("receipt", sid=rec.get("id")[len("jm-propose-"):], **{"from": frm})
        for child in x:
            if not child.tag.startswith("{%s}" % NS_JMI):
                continue
            kind = child.tag.split("}", 1)[1]
            sid = child.get("id") or ""
            cond, text = reason_of(child)
            call = self.calls.get(sid)
            if kind == "propose":
                self.on_propose(msg, child, sid)
            elif kind == "ringing":
                emit("ringing", sid=sid, **{"from": frm})
            elif kind == "proceed":
                if call is None or call.role != "initiator" or call.state != "proposed":
                    emit("error", what="unexpected proceed", sid=sid, **{"from": frm})
                    continue
                call.peer = frm
                call.state = "proceeded"
                emit("proceed", sid=sid, **{"from": frm})
                self.spawn(call, self.initiate(call))
            elif kind in ("reject", "retract"):
                emit(kind, sid=sid, reason=cond, text=text, **{"from": frm})
                if call is not None and call.state in ("proposed", "proceeded", "pending"):
                    self.spawn(call, self.end(call))
            elif kind == "finish":
                emit("finish", sid=sid, reason=cond, text=text, **{"from": frm})
            else:
                emit("jmi", kind=kind, sid=sid, **{"from": frm})

    def on_propose(self, msg, prop, sid):
        frm = msg["from"].full
        media = [d.get("media") for d in prop if d.tag.endswith("}description")]
        if sid in self.calls:
            emit("error", what="propose for a known sid", sid=sid)
            return
        call = Call(sid, frm, "responder", True)
        call.state = "proposed"
        self.calls[sid] = call
        emit("propose", sid=sid, media=media, **{"from": frm})
        if msg.xml.find(q(NS_RECEIPTS, "request")) is not None and msg["id"]:
            self.send_message_el(frm, [ET.Element(q(NS_RECEIPTS, "received"), {"id": msg["id"]})], mtype="chat")
        self.send_message_el(frm, [ET.Element(q(NS_JMI, "ringing"), {"id": sid})])
        self.auto(call)

    def auto(self, call):
        if self.args.auto_answer:
            self.spawn(call, self.answer(call))
        elif self.args.auto_reject:
            self.spawn(call, self.reject(call, self.args.auto_reject))

    # ------------------------------------------------------------ Jingle

    def on_jingle_iq(self, iq):
        if iq["type"] in ("result", "error"):
            return  # matched by send_jingle
        if iq["type"] != "set":
            self.reply_error(iq, "bad-request")
            return
        j = iq.xml.find(q(NS_JINGLE, "jingle"))
        action, sid = j.get("action"), j.get("sid")
        frm = iq["from"].full
        call = self.calls.get(sid)
        # A sid is only meaningful together with the peer's full JID.
        if call is not None and call.peer != frm and not (call.state == "proceeded" and bare(call.peer) == bare(frm)):
            call = None
        if action == "session-initiate":
            self.on_session_initiate(iq, j, call)
            return
        if call is None or call.state == "ended":
            self.reply_error(iq, "item-not-found", "unknown-session")
            emit("unknown-session", action=action, sid=sid, **{"from": frm})
            return
        if action == "session-accept":
            if call.role != "initiator" or call.state != "initiated":
                self.reply_error(iq, "unexpected-request", "out-of-order", etype="wait")
                emit("error", what="unexpected session-accept", sid=sid)
                return
            iq.reply().send()
            self.spawn(call, self.accepted(call, j))
        elif action == "transport-info":
            try:
                for content in j.findall(q(NS_JINGLE, "content")):
                    for cand in jsdp.transport_candidates(content):
                        call.queued.append((content.get("name"), cand))
            except jsdp.MappingError as e:
                self.reply_error(iq, "bad-request")
                emit("error", what="bad transport-info", sid=sid, error=str(e))
                return
            iq.reply().send()
            emit("transport-info", sid=sid, candidates=len(call.queued))
            if call.remote_set:
                self.spawn(call, self.flush_candidates(call))
        elif action == "session-terminate":
            iq.reply().send()
            cond, text = reason_of(j)
            emit("terminated", sid=sid, reason=cond, text=text, by="remote")
            self.spawn(call, self.end(call))
        elif action == "session-info":
            iq.reply().send()
            kinds = [c.tag.split("}", 1)[1] for c in j]
            emit("session-info", sid=sid, info=kinds)
            if "ringing" in kinds:
                emit("ringing", sid=sid, **{"from": frm})
        else:
            self.reply_error(iq, "feature-not-implemented", "unsupported-info")
            emit("error", what="unsupported jingle action", action=action, sid=sid)

    def on_session_initiate(self, iq, j, call):
        frm = iq["from"].full
        sid = j.get("sid")
        if call is None:
            if sid in self.calls:
                self.reply_error(iq, "conflict", "tie-break")
                emit("error", what="session-initiate for a sid in use", sid=sid)
                return
            call = Call(sid, frm, "responder", False)
            self.calls[sid] = call
        elif call.role != "responder" or call.offer is not None:
            self.reply_error(iq, "unexpected-request", "out-of-order", etype="wait")
            emit("error", what="unexpected session-initiate", sid=sid)
            return
        try:
            offer_sdp, _ = jsdp.jingle_to_sdp(j, "initiator", True)
        except (jsdp.MappingError, ValueError) as e:
            self.reply_error(iq, "bad-request")
            emit("error", what="bad session-initiate", sid=sid, error=str(e))
            del self.calls[sid]
            return
        call.peer = frm
        call.offer = j
        call.initiator = j.get("initiator") or frm
        iq.reply().send()
        emit("session-initiate", sid=sid, sdp=offer_sdp, xml=ET.tostring(j, encoding="unicode"), **{"from": frm})
        if call.jmi:
            if call.answered:
                self.spawn(call, self.accept(call))
            return
        call.state = "pending"
        self.auto(call)

    # ------------------------------------------------------------ commands

    def current(self, sid=None):
        if sid:
            return self.calls.get(sid)
        live = [c for c in self.calls.values() if c.state != "ended"]
        return live[-1] if live else None

    async def command(self, cmd):
        name = cmd.get("cmd")
        if name == "call":
            to = cmd.get("to") or ""
            jmi = cmd.get("jmi", not self.args.no_jmi)
            sid = cmd.get("sid") or new_sid()
            call = Call(sid, to, "initiator", bool(jmi))
            self.calls[sid] = call
            emit("calling", sid=sid, to=to, jmi=bool(jmi))
            if jmi:
                call.peer = bare(to)
                call.state = "proposed"
                prop = ET.Element(q(NS_JMI, "propose"), {"id": sid})
                ET.SubElement(prop, q(jsdp.NS_RTP, "description"), {"media": "audio"})
                self.send_message_el(call.peer, [
                    prop,
                    ET.Element(q(NS_RECEIPTS, "request")),
                    ET.Element(q(NS_HINTS, "store")),
                ], mid="jm-propose-" + sid)
            else:
                self.spawn(call, self.initiate(call))
            return
        if name == "quit":
            for call in list(self.calls.values()):
                if call.state != "ended":
                    await self.hangup(call)
            self.quit.set()
            return
        call = self.current(cmd.get("sid"))
        if call is None:
            emit("error", what="no call for command", cmd=name)
            return
        if name == "answer":
            await self.answer(call)
        elif name == "reject":
            await self.reject(call, cmd.get("reason") or "busy")
        elif name == "hangup":
            await self.hangup(call, cmd.get("reason") or "success")
        elif name in ("hold", "active"):
            j = ET.Element(q(NS_JINGLE, "jingle"), {"action": "session-info", "sid": call.sid})
            ET.SubElement(j, "{urn:xmpp:jingle:apps:rtp:info:1}" + name)
            await self.send_jingle(call, j)
            emit(name + "-sent", sid=call.sid)
        else:
            emit("error", what="unknown command", cmd=name)

    async def answer(self, call):
        if call.role != "responder" or call.answered:
            emit("error", what="nothing to answer", sid=call.sid)
            return
        call.answered = True
        if call.jmi and call.offer is None:
            call.state = "proceeded"
            self.send_message_el(call.peer, [ET.Element(q(NS_JMI, "proceed"), {"id": call.sid})])
            emit("proceed-sent", sid=call.sid, to=call.peer)
            return  # accept() runs when session-initiate arrives
        await self.accept(call)

    async def reject(self, call, reason):
        if call.jmi and call.offer is None and call.role == "responder":
            rej = ET.Element(q(NS_JMI, "reject"), {"id": call.sid})
            rej.append(reason_el(reason))
            self.send_message_el(call.peer, [rej])
            emit("reject-sent", sid=call.sid, reason=reason)
            await self.end(call)
            return
        await self.terminate(call, reason)

    async def hangup(self, call, reason="success"):
        if call.role == "initiator" and call.jmi and call.state == "proposed":
            ret = ET.Element(q(NS_JMI, "retract"), {"id": call.sid})
            ret.append(reason_el("cancel"))
            self.send_message_el(call.peer, [ret])
            emit("retract-sent", sid=call.sid)
            await self.end(call)
            return
        if call.role == "responder" and call.state in ("proposed", "pending"):
            await self.reject(call, "decline")
            return
        await self.terminate(call, reason)

    async def terminate(self, call, reason):
        if call.state == "ended":
            return
        j = ET.Element(q(NS_JINGLE, "jingle"), {"action": "session-terminate", "sid": call.sid})
        j.append(reason_el(reason))
        call.state = "ended"
        emit("terminated", sid=call.sid, reason=reason, text="", by="local")
        await self.send_jingle(call, j)
        if call.jmi:
            fin = ET.Element(q(NS_JMI, "finish"), {"id": call.sid})
            fin.append(reason_el(reason))
            self.send_message_el(bare(call.peer), [fin])
        await self.end(call)

    async def end(self, call):
        call.state = "ended"
        if call.pc is not None:
            pc, call.pc = call.pc, None
            await pc.close()
        current = asyncio.current_task()
        for t in call.tasks:
            if t is not current and not t.done():
                t.cancel()

    # ------------------------------------------------------------ media

    def new_pc(self, call):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        call.pc = pc

        @pc.on("connectionstatechange")
        async def on_state():
            emit("state", sid=call.sid, state=pc.connectionState)
            if pc.connectionState == "connected":
                emit("connected", sid=call.sid)
                call.state = "active"
            elif pc.connectionState == "failed":
                emit("error", what="ICE/DTLS failed", sid=call.sid)

        @pc.on("track")
        def on_track(track):
            if track.kind == "audio":
                self.spawn(call, self.listen(call, track))

        return pc

    def add_tone(self, pc):
        pc.addTrack(ToneTrack(self.args.tone))

    async def initiate(self, call):
        pc = self.new_pc(call)
        self.add_tone(pc)
        caps = RTCRtpSender.getCapabilities("audio").codecs
        prefs = []
        for name in self.codecs:
            prefs += [c for c in caps if c.name.lower() == name]
        for t in pc.getTransceivers():
            t.setCodecPreferences(prefs)
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        j = jsdp.sdp_to_jingle(sdp, "session-initiate", call.sid, "initiator",
                               initiator=self.boundjid.full, bundle=not self.args.no_bundle)
        call.state = "initiated"
        trickled = self.strip_candidates(j) if self.args.trickle else []
        emit("session-initiate-sent", sid=call.sid, sdp=sdp, to=call.peer)
        if not await self.send_jingle(call, j):
            await self.end(call)
            return
        await self.trickle(call, trickled)

    async def accepted(self, call, j):
        try:
            answer, _ = jsdp.jingle_to_sdp(j, "responder", False)
        except jsdp.MappingError as e:
            emit("error", what="bad session-accept", sid=call.sid, error=str(e))
            await self.terminate(call, "failed-application")
            return
        emit("session-accept", sid=call.sid, sdp=answer, xml=ET.tostring(j, encoding="unicode"))
        try:
            await call.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        except Exception as e:  # noqa: BLE001 - aiortc raises plain ValueErrors
            emit("error", what="aiortc refused the answer", sid=call.sid, error=str(e))
            await self.terminate(call, "failed-application")
            return
        call.remote_set = True
        await self.flush_candidates(call)

    async def accept(self, call):
        if call.pc is not None:
            return
        j = call.offer
        try:
            offer, _ = jsdp.jingle_to_sdp(j, "initiator", True, codecs=set(self.codecs))
        except jsdp.MappingError as e:
            emit("error", what="no common codec or bad offer", sid=call.sid, error=str(e))
            await self.terminate(call, "failed-application")
            return
        pc = self.new_pc(call)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        except Exception as e:  # noqa: BLE001
            emit("error", what="aiortc refused the offer", sid=call.sid, error=str(e))
            await self.terminate(call, "failed-application")
            return
        call.remote_set = True
        self.add_tone(pc)
        if not self.args.setup_active:
            # aiortc answers setup=active by default; be the DTLS server
            # instead unless asked to behave like Dino.
            for t in pc.getTransceivers():
                t._transport._role = "server"  # noqa: SLF001 - no public knob
        await pc.setLocalDescription(await pc.createAnswer())
        await self.flush_candidates(call)
        sdp = pc.localDescription.sdp
        bundle = not self.args.no_bundle and j.find(q(jsdp.NS_GROUP, "group")) is not None
        acc = jsdp.sdp_to_jingle(sdp, "session-accept", call.sid, "responder",
                                 initiator=call.initiator, responder=self.boundjid.full, bundle=bundle)
        call.state = "initiated"
        if self.args.trickle:
            # XEP-0176 lets the responder trickle before it accepts: the
            # initiator has to queue these until session-accept.
            await self.trickle(call, self.strip_candidates(acc))
        emit("session-accept-sent", sid=call.sid, sdp=sdp)
        if not await self.send_jingle(call, acc):
            await self.end(call)

    @staticmethod
    def strip_candidates(j):
        """Remove the candidates from j; returns (content name, candidate)."""
        out = []
        for content in j.findall(q(NS_JINGLE, "content")):
            tr = content.find(q(jsdp.NS_ICE, "transport"))
            for c in tr.findall(q(jsdp.NS_ICE, "candidate")):
                tr.remove(c)
                out.append((content, tr, c))
        return out

    async def trickle(self, call, stripped):
        """Send each stripped candidate in a transport-info of its own, as
        browsers and Conversations do."""
        for content, tr, cand in stripped:
            j = ET.Element(q(NS_JINGLE, "jingle"), {"action": "transport-info", "sid": call.sid})
            c = ET.SubElement(j, q(NS_JINGLE, "content"), {"creator": content.get("creator"), "name": content.get("name")})
            t = ET.SubElement(c, q(jsdp.NS_ICE, "transport"), {"ufrag": tr.get("ufrag"), "pwd": tr.get("pwd")})
            t.append(cand)
            emit("transport-info-sent", sid=call.sid, candidate=jsdp.candidate_to_sdp(cand))
            if not await self.send_jingle(call, j):
                return

    async def flush_candidates(self, call):
        while call.queued and call.pc is not None:
            mid, cand = call.queued.pop(0)
            try:
                c = candidate_from_sdp(cand)
                c.sdpMid = mid
                await call.pc.addIceCandidate(c)
            except Exception as e:  # noqa: BLE001
                emit("error", what="bad trickled candidate", sid=call.sid, candidate=cand, error=str(e))

    async def listen(self, call, track):
        buf, rate, frames, last = [], 0, 0, time.monotonic()
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            frames += 1
            arr = frame.to_ndarray().reshape(-1)
            ch = len(frame.layout.channels)
            if ch > 1:
                arr = arr[::ch]  # packed: interleaved channels
            rate = frame.sample_rate
            buf.append(arr.astype(np.float64))
            now = time.monotonic()
            if now - last < REPORT_EVERY:
                continue
            last = now
            x = np.concatenate(buf)
            buf = []
            powers = {("%g" % f): round(tone_power(x, rate, f), 4) for f in self.detect}
            first = "%g" % self.detect[0]
            emit("tone", sid=call.sid, freq=self.detect[0], power=powers[first], powers=powers,
                 frames=frames, rate=rate)
            packets = 0
            if call.pc is not None:
                try:
                    stats = await call.pc.getStats()
                    packets = sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp")
                except Exception:  # noqa: BLE001 - stats are informative only
                    pass
            emit("audio", sid=call.sid, frames=frames, packets=packets)

    def spawn(self, call, coro):
        t = asyncio.ensure_future(self.guard(call, coro))
        call.tasks.append(t)
        return t

    async def guard(self, call, coro):
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - report, never swallow
            log.exception("call %s", call.sid)
            emit("error", what="internal", sid=call.sid, error="%s: %s" % (type(e).__name__, e))


# ---------------------------------------------------------------- main


def only_host(ip):
    """Make aioice gather a host candidate on ip alone: tests stay on
    loopback, which aioice skips by default."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [ip]


async def read_commands(peer):
    loop = asyncio.get_event_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while not peer.quit.is_set():
        line = await reader.readline()
        if not line:
            break  # stdin closed: whoever drove us is gone
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if not isinstance(cmd, dict):
                raise ValueError("not an object")
        except ValueError as e:
            emit("error", what="bad command", error=str(e))
            continue
        try:
            await peer.command(cmd)
        except Exception as e:  # noqa: BLE001
            log.exception("command %s", cmd)
            emit("error", what="command failed", cmd=cmd.get("cmd"), error="%s: %s" % (type(e).__name__, e))
    peer.quit.set()


async def run(args):
    peer = Peer(args)
    host, _, port = args.server.rpartition(":")
    peer.connect(address=(host, int(port)), force_starttls=False, disable_starttls=True)
    reader = asyncio.ensure_future(read_commands(peer))
    await peer.quit.wait()
    reader.cancel()
    # Let the last stanzas (a retract, a finish) leave before the stream ends.
    await asyncio.sleep(0.2)
    for call in list(peer.calls.values()):
        if call.pc is not None:
            await call.pc.close()
    try:
        await asyncio.wait_for(peer.disconnect(wait=1.0), 3)
    except Exception:  # noqa: BLE001 - leaving anyway
        pass


def main():
    p = argparse.ArgumentParser(description="Jingle audio test peer (aiortc + slixmpp)")
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--server", required=True, help="host:port of plain c2s")
    p.add_argument("--resource", default="jinglepeer")
    p.add_argument("--tone", type=float, default=440.0, help="Hz of the tone we send")
    p.add_argument("--detect", default="", help="comma-separated Hz to measure; default --tone")
    p.add_argument("--no-bundle", action="store_true")
    p.add_argument("--setup-active", action="store_true")
    p.add_argument("--no-jmi", action="store_true")
    p.add_argument("--auto-answer", action="store_true")
    p.add_argument("--auto-reject", default="")
    p.add_argument("--codecs", default="PCMU,PCMA,opus")
    p.add_argument("--trickle", action="store_true", help="send candidates in transport-info, not in the offer/answer")
    p.add_argument("--host-ip", default="127.0.0.1")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--dtmf", action="store_true", help="negotiate telephone-event and report received digits")
    args = p.parse_args()
    if args.dtmf:
        _enable_telephone_event()
        args.codecs += ",telephone-event"
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    known = {c.name.lower() for c in RTCRtpSender.getCapabilities("audio").codecs}
    unknown = [c for c in args.codecs.split(",") if c.strip() and c.strip().lower() not in known]
    if unknown:
        emit("fatal", error="aiortc cannot do codecs %s (it knows %s)" % (unknown, sorted(known)))
        sys.exit(2)
    if args.host_ip != "any":
        only_host(args.host_ip)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(run(args))
    EVENTS_OUT.flush()
    os._exit(0)  # aiortc and slixmpp leave tasks behind; nothing more to do


if __name__ == "__main__":
    main()
