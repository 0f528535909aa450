"""Jingle <-> SDP conversion for the test peer.

Written from the XEPs (0166, 0167, 0176, 0293, 0294, 0320, 0338, 0339),
independently of the Go jingle package, so the two can check each other.
Only what an audio call needs is mapped; the rest is dropped on purpose.
"""

import random
import string
import xml.etree.ElementTree as ET

NS_JINGLE = "urn:xmpp:jingle:1"
NS_RTP = "urn:xmpp:jingle:apps:rtp:1"
NS_ICE = "urn:xmpp:jingle:transports:ice-udp:1"
NS_DTLS = "urn:xmpp:jingle:apps:dtls:0"
NS_GROUP = "urn:xmpp:jingle:apps:grouping:0"
NS_FB = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
NS_HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
NS_SSMA = "urn:xmpp:jingle:apps:rtp:ssma:0"


class MappingError(Exception):
    """The description cannot be turned into the other form."""


def q(ns, local):
    return "{%s}%s" % (ns, local)


# Jingle senders are absolute (who sends); SDP directions are relative to the
# party writing the SDP.
def senders_from_direction(direction, writer):
    other = "responder" if writer == "initiator" else "initiator"
    return {
        "sendrecv": "both",
        "sendonly": writer,
        "recvonly": other,
        "inactive": "none",
    }[direction]


def direction_from_senders(senders, writer):
    if senders in (None, "", "both"):
        return "sendrecv"
    if senders == "none":
        return "inactive"
    if senders not in ("initiator", "responder"):
        raise MappingError("bad senders %r" % senders)
    return "sendonly" if senders == writer else "recvonly"


# ---------------------------------------------------------------- SDP parsing


def parse_sdp(text):
    """Split an SDP into session attributes and media sections.

    Returns (session, media) where session is {"attrs": [(name, value)]}
    and each media is {"kind", "port", "proto", "fmts", "attrs"}.
    """
    session = {"attrs": []}
    media = []
    cur = session
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            if len(parts) < 3:
                raise MappingError("bad m-line %r" % line)
            cur = {
                "kind": parts[0],
                "port": parts[1],
                "proto": parts[2],
                "fmts": parts[3:],
                "attrs": [],
            }
            media.append(cur)
        elif kind == "a":
            name, _, val = value.partition(":")
            cur["attrs"].append((name, val))
    return session, media


def _attr(attrs, name):
    for n, v in attrs:
        if n == name:
            return v
    return None


def _attrs(attrs, name):
    return [v for n, v in attrs if n == name]


def parse_candidate(value):
    """Parse the value of an a=candidate line into Jingle attributes.

    Returns None for candidates Jingle peers do not use here (TCP,
    component 2).
    """
    if value.startswith("candidate:"):
        value = value[len("candidate:"):]
    bits = value.split()
    if len(bits) < 8 or bits[6] != "typ":
        raise MappingError("bad candidate %r" % value)
    c = {
        "foundation": bits[0],
        "component": bits[1],
        "protocol": bits[2].lower(),
        "priority": bits[3],
        "ip": bits[4],
        "port": bits[5],
        "type": bits[7],
        "generation": "0",
    }
    rest = bits[8:]
    for i in range(0, len(rest) - 1, 2):
        k, v = rest[i], rest[i + 1]
        if k == "raddr":
            c["rel-addr"] = v
        elif k == "rport":
            c["rel-port"] = v
        elif k == "generation":
            c["generation"] = v
    for k in ("component", "priority", "port", "generation"):
        if not c[k].isdigit():
            raise MappingError("bad candidate %s %r" % (k, c[k]))
    if c["protocol"] != "udp" or c["component"] != "1":
        return None
    return c


def candidate_to_sdp(el):
    """Turn a Jingle <candidate/> into an a=candidate value (no prefix)."""
    try:
        parts = [
            el.get("foundation") or "1",
            el.get("component") or "1",
            (el.get("protocol") or "udp").lower(),
            el.attrib["priority"],
            el.attrib["ip"],
            el.attrib["port"],
            "typ",
            el.get("type") or "host",
        ]
    except KeyError as e:
        raise MappingError("candidate without %s" % e)
    for k in ("component", "priority", "port"):
        if not el.get(k, "1").isdigit():
            raise MappingError("bad candidate %s" % k)
    if el.get("rel-addr") and el.get("rel-port"):
        parts += ["raddr", el.get("rel-addr"), "rport", el.get("rel-port")]
    parts += ["generation", el.get("generation") or "0"]
    return " ".join(parts)


def _rand_id(n=10):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


# ----------------------------------------------------------- SDP -> Jingle


def sdp_to_jingle(text, action, sid, writer, initiator=None, responder=None, bundle=True):
    """Build a <jingle/> element from an SDP written by `writer`
    ("initiator" or "responder").

    bundle=False leaves out the XEP-0338 group even when the SDP has one
    (clients such as Dino do not do BUNDLE).
    """
    session, media = parse_sdp(text)
    j = ET.Element(q(NS_JINGLE, "jingle"), {"action": action, "sid": sid})
    if initiator:
        j.set("initiator", initiator)
    if responder:
        j.set("responder", responder)
    s_ufrag = _attr(session["attrs"], "ice-ufrag")
    s_pwd = _attr(session["attrs"], "ice-pwd")
    s_fps = _attrs(session["attrs"], "fingerprint")
    s_setup = _attr(session["attrs"], "setup")
    for index, m in enumerate(media):
        if m["kind"] != "audio":
            continue  # this peer only does audio
        attrs = m["attrs"]
        name = _attr(attrs, "mid") or str(index)
        direction = "sendrecv"
        for d in ("sendrecv", "sendonly", "recvonly", "inactive"):
            if _attr(attrs, d) is not None:
                direction = d
        content = ET.SubElement(j, q(NS_JINGLE, "content"), {
            "creator": "initiator",
            "name": name,
            "senders": senders_from_direction(direction, writer),
        })
        desc = ET.SubElement(content, q(NS_RTP, "description"), {"media": m["kind"]})
        rtpmaps = {}
        for v in _attrs(attrs, "rtpmap"):
            pt, _, enc = v.partition(" ")
            rtpmaps[pt] = enc
        fmtps = {}
        for v in _attrs(attrs, "fmtp"):
            pt, _, params = v.partition(" ")
            fmtps[pt] = params
        fbs = {}
        for v in _attrs(attrs, "rtcp-fb"):
            bits = v.split()
            if len(bits) >= 2:
                fbs.setdefault(bits[0], []).append(bits[1:])
        ptime = _attr(attrs, "ptime")
        maxptime = _attr(attrs, "maxptime")
        for pt in m["fmts"]:
            if not pt.isdigit():
                raise MappingError("bad payload type %r" % pt)
            enc = rtpmaps.get(pt)
            pattrs = {"id": pt}
            if enc:
                bits = enc.split("/")
                pattrs["name"] = bits[0]
                if len(bits) > 1:
                    pattrs["clockrate"] = bits[1]
                if len(bits) > 2 and bits[2] != "1":
                    pattrs["channels"] = bits[2]
            if ptime:
                pattrs["ptime"] = ptime
            if maxptime:
                pattrs["maxptime"] = maxptime
            p = ET.SubElement(desc, q(NS_RTP, "payload-type"), pattrs)
            for param in (fmtps.get(pt) or "").split(";"):
                param = param.strip()
                if not param:
                    continue
                k, eq, v = param.partition("=")
                if eq:
                    ET.SubElement(p, q(NS_RTP, "parameter"), {"name": k.strip(), "value": v.strip()})
                else:
                    ET.SubElement(p, q(NS_RTP, "parameter"), {"name": "", "value": k.strip()})
            for fb in fbs.get(pt, []):
                a = {"type": fb[0]}
                if len(fb) > 1:
                    a["subtype"] = " ".join(fb[1:])
                ET.SubElement(p, q(NS_FB, "rtcp-fb"), a)
        for fb in fbs.get("*", []):
            a = {"type": fb[0]}
            if len(fb) > 1:
                a["subtype"] = " ".join(fb[1:])
            ET.SubElement(desc, q(NS_FB, "rtcp-fb"), a)
        for v in _attrs(attrs, "extmap"):
            bits = v.split()
            if len(bits) < 2:
                continue
            ext_id, _, ext_dir = bits[0].partition("/")
            a = {"id": ext_id, "uri": bits[1]}
            if ext_dir and ext_dir != "sendrecv":
                a["senders"] = senders_from_direction(ext_dir, writer)
            ET.SubElement(desc, q(NS_HDREXT, "rtp-hdrext"), a)
        sources = {}
        for v in _attrs(attrs, "ssrc"):
            ssrc, _, rest = v.partition(" ")
            k, _, val = rest.partition(":")
            if ssrc not in sources:
                sources[ssrc] = ET.SubElement(desc, q(NS_SSMA, "source"), {"ssrc": ssrc})
            if k:
                ET.SubElement(sources[ssrc], q(NS_SSMA, "parameter"), {"name": k, "value": val})
        for v in _attrs(attrs, "ssrc-group"):
            bits = v.split()
            if len(bits) < 2:
                continue
            g = ET.SubElement(desc, q(NS_SSMA, "ssrc-group"), {"semantics": bits[0]})
            for ssrc in bits[1:]:
                ET.SubElement(g, q(NS_SSMA, "source"), {"ssrc": ssrc})
        if _attr(attrs, "rtcp-mux") is not None:
            ET.SubElement(desc, q(NS_RTP, "rtcp-mux"))

        ufrag = _attr(attrs, "ice-ufrag") or s_ufrag
        pwd = _attr(attrs, "ice-pwd") or s_pwd
        if not ufrag or not pwd:
            raise MappingError("media %s has no ICE credentials" % name)
        tr = ET.SubElement(content, q(NS_ICE, "transport"), {"ufrag": ufrag, "pwd": pwd})
        fps = _attrs(attrs, "fingerprint") or s_fps
        setup = _attr(attrs, "setup") or s_setup
        if not fps or not setup:
            raise MappingError("media %s has no DTLS fingerprint or setup" % name)
        # One fingerprint per transport, as Conversations and Dino send: the
        # SHA-256 one when there is a choice.
        chosen = next((f for f in fps if f.lower().startswith("sha-256 ")), fps[0])
        algo, _, value = chosen.partition(" ")
        fp = ET.SubElement(tr, q(NS_DTLS, "fingerprint"), {"hash": algo.lower(), "setup": setup})
        fp.text = value.strip()
        for v in _attrs(attrs, "candidate"):
            c = parse_candidate(v)
            if c is None:
                continue
            c["id"] = _rand_id()
            c["network"] = "0"
            ET.SubElement(tr, q(NS_ICE, "candidate"), c)
    if not j.findall(q(NS_JINGLE, "content")):
        raise MappingError("SDP has no audio media")
    if bundle:
        for v in _attrs(session["attrs"], "group"):
            bits = v.split()
            if bits and bits[0] == "BUNDLE" and len(bits) > 1:
                g = ET.SubElement(j, q(NS_GROUP, "group"), {"semantics": "BUNDLE"})
                for mid in bits[1:]:
                    ET.SubElement(g, q(NS_GROUP, "content"), {"name": mid})
    return j


# ----------------------------------------------------------- Jingle -> SDP


def jingle_to_sdp(j, writer, is_offer, codecs=None):
    """Build an SDP from a <jingle/> element whose description was written
    by `writer`. codecs (lower-case names) restricts the payload types kept.

    Returns (sdp_text, mids) where mids lists the content names in order.
    """
    lines = [
        "v=0",
        "o=- %d 2 IN IP4 127.0.0.1" % random.randint(1, 2**62),
        "s=-",
        "t=0 0",
    ]
    group = j.find(q(NS_GROUP, "group"))
    if group is not None and group.get("semantics", "BUNDLE") == "BUNDLE":
        names = [c.get("name") for c in group.findall(q(NS_GROUP, "content")) if c.get("name")]
        if names:
            lines.append("a=group:BUNDLE " + " ".join(names))
    lines.append("a=msid-semantic:WMS *")
    mids = []
    for content in j.findall(q(NS_JINGLE, "content")):
        name = content.get("name")
        if not name:
            raise MappingError("content without a name")
        desc = content.find(q(NS_RTP, "description"))
        tr = content.find(q(NS_ICE, "transport"))
        if desc is None:
            raise MappingError("content %s has no RTP description" % name)
        if tr is None:
            raise MappingError("content %s has no ICE-UDP transport" % name)
        kind = desc.get("media") or "audio"
        pts = []
        pt_lines = []
        for p in desc.findall(q(NS_RTP, "payload-type")):
            pt = p.get("id", "")
            if not pt.isdigit() or int(pt) > 127:
                raise MappingError("bad payload-type id %r" % pt)
            pname = p.get("name") or ""
            if codecs is not None and pname.lower() not in codecs:
                continue
            pts.append(pt)
            if pname:
                enc = "%s/%s" % (pname, p.get("clockrate") or "8000")
                if p.get("channels") and p.get("channels") != "1":
                    enc += "/" + p.get("channels")
                pt_lines.append("a=rtpmap:%s %s" % (pt, enc))
            params = []
            for par in p.findall(q(NS_RTP, "parameter")):
                if par.get("name"):
                    params.append("%s=%s" % (par.get("name"), par.get("value", "")))
                elif par.get("value"):
                    params.append(par.get("value"))
            if params:
                pt_lines.append("a=fmtp:%s %s" % (pt, ";".join(params)))
            for fb in p.findall(q(NS_FB, "rtcp-fb")):
                v = fb.get("type", "")
                if fb.get("subtype"):
                    v += " " + fb.get("subtype")
                pt_lines.append("a=rtcp-fb:%s %s" % (pt, v))
            if p.get("ptime") and "a=ptime:" + p.get("ptime") not in pt_lines:
                pt_lines.append("a=ptime:" + p.get("ptime"))
        if not pts:
            raise MappingError("content %s has no usable payload type" % name)
        lines.append("m=%s 9 UDP/TLS/RTP/SAVPF %s" % (kind, " ".join(pts)))
        lines.append("c=IN IP4 0.0.0.0")
        lines.append("a=rtcp:9 IN IP4 0.0.0.0")
        lines.append("a=mid:" + name)
        mids.append(name)
        lines.append("a=" + direction_from_senders(content.get("senders"), writer))
        if desc.find(q(NS_RTP, "rtcp-mux")) is not None:
            lines.append("a=rtcp-mux")
        ufrag, pwd = tr.get("ufrag"), tr.get("pwd")
        if not ufrag or not pwd:
            raise MappingError("content %s transport has no ufrag/pwd" % name)
        lines.append("a=ice-ufrag:" + ufrag)
        lines.append("a=ice-pwd:" + pwd)
        fps = tr.findall(q(NS_DTLS, "fingerprint"))
        if not fps:
            raise MappingError("content %s transport has no DTLS fingerprint" % name)
        setup = None
        for fp in fps:
            if not fp.get("hash") or not (fp.text or "").strip():
                raise MappingError("content %s has an empty fingerprint" % name)
            lines.append("a=fingerprint:%s %s" % (fp.get("hash"), fp.text.strip()))
            setup = setup or fp.get("setup")
        if setup is None:
            setup = "actpass" if is_offer else "active"
        if setup not in ("actpass", "active", "passive"):
            raise MappingError("bad DTLS setup %r" % setup)
        lines.append("a=setup:" + setup)
        for c in tr.findall(q(NS_ICE, "candidate")):
            if (c.get("protocol") or "udp").lower() != "udp" or (c.get("component") or "1") != "1":
                continue
            lines.append("a=candidate:" + candidate_to_sdp(c))
        lines.extend(pt_lines)
        for h in desc.findall(q(NS_HDREXT, "rtp-hdrext")):
            if h.get("id") and h.get("uri"):
                lines.append("a=extmap:%s %s" % (h.get("id"), h.get("uri")))
        for src in desc.findall(q(NS_SSMA, "source")):
            ssrc = src.get("ssrc", "")
            if not ssrc.isdigit():
                raise MappingError("bad ssrc %r" % ssrc)
            params = src.findall(q(NS_SSMA, "parameter"))
            for par in params:
                lines.append("a=ssrc:%s %s:%s" % (ssrc, par.get("name"), par.get("value", "")))
            if not params:
                lines.append("a=ssrc:%s cname:%s" % (ssrc, "jingle"))
    if not mids:
        raise MappingError("jingle has no content")
    return "\r\n".join(lines) + "\r\n", mids


def transport_candidates(content):
    """The a=candidate values of a transport-info content."""
    tr = content.find(q(NS_ICE, "transport"))
    if tr is None:
        raise MappingError("transport-info content without ICE-UDP transport")
    out = []
    for c in tr.findall(q(NS_ICE, "candidate")):
        if (c.get("protocol") or "udp").lower() != "udp" or (c.get("component") or "1") != "1":
            continue
        out.append(candidate_to_sdp(c))
    return out


