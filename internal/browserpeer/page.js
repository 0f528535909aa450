// The Jingle peer that runs inside chromium: stanza (XMPP over WebSocket,
// Jingle via client.jingle) plus libwebrtc. driver.js bundles this file with
// esbuild, loads it in a page and relays commands and events; see README.md.
// Command and event names match internal/jinglepeer/peer.py.
import * as XMPP from 'stanza';
import { medianPower } from './tone.mjs';

const { attribute, childEnum, childText, multipleChildAttribute } = XMPP.JXT;
const NS_JMI = 'urn:xmpp:jingle-message:0';
const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
const NS_JINGLE = 'urn:xmpp:jingle:1';
const JMI_KINDS = ['propose', 'ringing', 'proceed', 'reject', 'retract', 'finish'];
const FEATURES = [
  'urn:xmpp:jingle:1',
  'urn:xmpp:jingle:apps:rtp:1',
  'urn:xmpp:jingle:apps:rtp:audio',
  'urn:xmpp:jingle:transports:ice-udp:1',
  'urn:xmpp:jingle:apps:dtls:0',
  NS_JMI,
  'urn:xmpp:receipts',
  'urn:xmpp:ping',
];
const REPORT_EVERY_MS = 500;

const emit = (event, fields = {}) => window.bpEmit({ ...fields, event });
const bare = (jid) => (jid || '').split('/')[0];
const newSid = () => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const rnd = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(rnd, (b) => abc[b % abc.length]).join('');
};
const errText = (err) => (err && (err.message || (err.error && err.error.condition))) || String(err);

// Call is one call from proposal (or session-initiate) to its end.
class Call {
  constructor(sid, peer, role, jmi) {
    this.sid = sid;
    this.peer = peer; // full JID once known; bare JID while a JMI propose waits
    this.role = role; // "initiator" or "responder": who we are
    this.jmi = jmi;
    this.state = 'new'; // proposed, proceeded, pending, initiated, active, ended
    this.session = null;
    this.answered = false;
    this.localEnd = false;
    this.timers = [];
    this.cleanups = [];
  }
}

class Peer {
  constructor(opts) {
    this.opts = opts;
    this.calls = new Map();
    this.xml = new Map(); // "action sid" -> received Jingle IQ
    this.stream = null;
    this.audioCtx = null;
  }

  async start() {
    const o = this.opts;
    // No echo cancellation, noise suppression or gain control: they would
    // bend the pure test tone.
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      video: false,
    });
    this.audioCtx = new AudioContext({ sampleRate: 48000 });
    const client = XMPP.createClient({
      jid: o.jid,
      password: o.password,
      resource: o.resource,
      transports: { websocket: o.websocket, bosh: false },
      useStreamManagement: false,
      // Default iceServers is Google's STUN server; stay on loopback.
      jingle: { iceServers: [], advertiseVideo: false, advertiseFileTransfer: false },
    });
    this.client = client;
    this.defineJMI();
    for (const f of FEATURES) client.disco.addFeature(f);
    client.disco.addIdentity({ category: 'client', type: 'phone', name: 'browserpeer' });
    client.on('auth:failed', () => emit('fatal', { error: `authentication failed for ${o.jid}` }));
    client.on('disconnected', () => {
      if (!this.quitting) emit('fatal', { error: 'disconnected from the server' });
    });
    client.on('message', (msg) => this.onMessage(msg));
    client.on('receipt', (msg) => {
      const id = (msg.receipt && msg.receipt.id) || '';
      if (id.startsWith('jm-propose-')) emit('receipt', { sid: id.slice('jm-propose-'.length), from: msg.from });
    });
    // Before the jingle plugin's own handler, which may forget the session.
    client.prependListener('iq:set:jingle', (iq) => this.onJingleIQ(iq));
    const jm = client.jingle;
    jm.on('send', (data) => this.onJingleSend(data));
    jm.on('createdSession', (session) => this.watch(session));
    jm.on('incoming', (session) => this.onIncoming(session));
    jm.on('accepted', (session) => this.onAccepted(session));
    jm.on('terminated', (session, reason) => this.onTerminated(session, reason));
    jm.on('peerTrackAdded', (session, track) => this.listen(session, track));
    jm.on('log:error', (msg, ...rest) => {
      if (String(msg).includes('Unknown session') || String(msg).includes('wrong sender')) return; // reported by onJingleIQ
      emit('error', { what: 'stanza jingle', error: String(msg), detail: rest.map(errText).join('; ') });
    });
    client.on('session:started', async () => {
      try {
        client.updateCaps();
        const caps = client.getCurrentCaps();
        await client.sendPresence({ legacyCapabilities: caps ? caps.legacyCapabilities : undefined });
        // A ping round trip proves the server has processed the presence,
        // so messages to the bare JID reach us from now on.
        await client.ping(XMPP.JID.getDomain(client.jid));
      } catch (err) {
        emit('error', { what: 'ping after presence', error: errText(err) });
      }
      emit('ready', { jid: client.jid });
    });
    client.connect();
  }

  defineJMI() {
    const defs = JMI_KINDS.map((kind) => ({
      element: kind,
      namespace: NS_JMI,
      path: 'message.jmi',
      type: kind,
      typeField: 'action',
      fields: { id: attribute('id'), media: multipleChildAttribute(NS_RTP, 'description', 'media') },
    }));
    defs.push({
      element: 'reason',
      namespace: NS_JINGLE,
      path: 'message.jmi.reason',
      fields: {
        condition: childEnum(null, Object.values(XMPP.Constants.JingleReasonCondition)),
        text: childText(null, 'text'),
      },
    });
    this.client.stanzas.define(defs);
  }

  sendJMI(to, action, sid, extra = {}) {
    const { reason, ...msg } = extra;
    const jmi = { action, id: sid };
    if (reason) jmi.reason = { condition: reason };
    if (action === 'propose') jmi.media = ['audio'];
    this.client.sendMessage({ to, type: 'chat', id: `bp-${newSid()}`, ...msg, jmi });
  }

  // ---------------------------------------------------------------- JMI

  onMessage(msg) {
    if (msg.type === 'error') {
      emit('error', { what: 'message error', id: msg.id, from: msg.from, condition: msg.error && msg.error.condition });
      return;
    }
    const j = msg.jmi;
    if (!j || !j.action) return;
    const sid = j.id || '';
    const from = msg.from;
    const call = this.calls.get(sid);
    const reason = (j.reason && j.reason.condition) || '';
    const text = (j.reason && j.reason.text) || '';
    switch (j.action) {
      case 'propose':
        this.onPropose(msg, sid);
        break;
      case 'ringing':
        emit('ringing', { sid, from });
        break;
      case 'proceed':
        if (!call || call.role !== 'initiator' || call.state !== 'proposed') {
          emit('error', { what: 'unexpected proceed', sid, from });
          return;
        }
        call.peer = from;
        call.state = 'proceeded';
        emit('proceed', { sid, from });
        this.initiate(call);
        break;
      case 'reject':
      case 'retract':
        emit(j.action, { sid, reason, text, from });
        if (call && ['proposed', 'proceeded', 'pending'].includes(call.state)) this.end(call);
        break;
      case 'finish':
        emit('finish', { sid, reason, text, from });
        break;
      default:
        emit('jmi', { kind: j.action, sid, from });
    }
  }

  onPropose(msg, sid) {
    const from = msg.from;
    if (this.calls.has(sid)) {
      emit('error', { what: 'propose for a known sid', sid });
      return;
    }
    const call = new Call(sid, from, 'responder', true);
    call.state = 'proposed';
    this.calls.set(sid, call);
    emit('propose', { sid, from, media: msg.jmi.media || [] });
    // stanza itself answers the XEP-0184 request (sendReceipts defaults on).
    this.sendJMI(from, 'ringing', sid);
    this.auto(call);
  }

  auto(call) {
    if (this.opts.autoAnswer) this.answer(call);
    else if (this.opts.autoReject) this.reject(call, this.opts.autoReject);
  }

  // ---------------------------------------------------------------- Jingle

  onJingleIQ(iq) {
    const j = iq.jingle || {};
    const sid = j.sid;
    const action = j.action;
    const session = this.client.jingle.sessions[sid];
    if (action !== 'session-initiate' && (!session || session.peerID !== iq.from || session.state === 'ended')) {
      emit('unknown-session', { action, sid, from: iq.from });
      return;
    }
    if (action === 'session-initiate' || action === 'session-accept') {
      // For the events, the request as it came (re-serialised by stanza).
      const xml = this.client.stanzas.export('iq', iq);
      this.xml.set(`${action} ${sid}`, xml ? xml.toString() : '');
    }
    if (action === 'transport-info') {
      const n = (j.contents || []).reduce((k, c) => k + ((c.transport && c.transport.candidates) || []).length, 0);
      emit('transport-info', { sid, candidates: n });
    } else if (action === 'session-info') {
      // infoType is "{namespace}name"; events carry the element name.
      const info = j.info && j.info.infoType ? [j.info.infoType.replace(/^\{[^}]*\}/, '')] : [];
      emit('session-info', { sid, info });
      if (info.includes('ringing')) emit('ringing', { sid, from: iq.from });
    } else if (action === 'session-terminate') {
      const call = this.calls.get(sid);
      if (call) call.remoteReason = j.reason || {};
    }
  }

  onJingleSend(data) {
    const j = data.jingle;
    if (!j || data.type !== 'set') return;
    if (j.action === 'transport-info') {
      const cands = (j.contents || []).flatMap((c) => (c.transport && c.transport.candidates) || []);
      emit('transport-info-sent', { sid: j.sid, candidates: cands.length });
    }
  }

  // watch follows a session's connection state from its creation.
  watch(session) {
    // An incoming session-initiate fires the track event (listen) during
    // setRemoteDescription, before "incoming": the call must exist by then.
    if (!session.isInitiator && !this.calls.has(session.sid)) {
      const call = new Call(session.sid, session.peerID, 'responder', false);
      call.fresh = true;
      this.calls.set(session.sid, call);
    }
    const pc = session.pc;
    if (!pc) return;
    pc.addEventListener('connectionstatechange', () => {
      const call = this.calls.get(session.sid);
      emit('state', { sid: session.sid, state: pc.connectionState });
      if (pc.connectionState === 'connected') {
        if (call) call.state = 'active';
        emit('connected', { sid: session.sid });
      } else if (pc.connectionState === 'failed') {
        emit('error', { what: 'ICE/DTLS failed', sid: session.sid });
      }
    });
  }

  onIncoming(session) {
    const sid = session.sid;
    const from = session.peerID;
    const call = this.calls.get(sid);
    const jmiWaits = call.role === 'responder' && call.jmi && bare(call.peer) === bare(from) && !call.session;
    if (!call.fresh && !jmiWaits) {
      emit('error', { what: 'unexpected session-initiate', sid });
      session.end('out-of-order');
      return;
    }
    call.fresh = false;
    call.peer = from;
    call.session = session;
    const sdp = session.pc.remoteDescription ? session.pc.remoteDescription.sdp : '';
    const xml = this.xml.get(`session-initiate ${sid}`) || '';
    emit('session-initiate', { sid, sdp, from, xml });
    if (call.jmi) {
      if (call.answered) this.accept(call);
      return;
    }
    call.state = 'pending';
    this.auto(call);
  }

  onAccepted(session) {
    const call = this.calls.get(session.sid);
    const sdp = session.pc.remoteDescription ? session.pc.remoteDescription.sdp : '';
    const xml = this.xml.get(`session-accept ${session.sid}`) || '';
    emit('session-accept', { sid: session.sid, sdp, xml });
    if (call && call.state !== 'active') call.state = 'initiated';
  }

  onTerminated(session, reason) {
    const call = this.calls.get(session.sid);
    if (!call || (call.state === 'ended' && call.reported)) return;
    const r = reason || {};
    const by = call.localEnd ? 'local' : 'remote';
    call.reported = true;
    if (by === 'remote') emit('terminated', { sid: call.sid, reason: r.condition || '', text: r.text || '', by });
    this.end(call);
  }

  async initiate(call) {
    try {
      const session = this.client.jingle.createMediaSession(call.peer, call.sid);
      call.session = session;
      for (const track of this.stream.getAudioTracks()) await session.addTrack(track, this.stream);
      call.state = 'initiated';
      await session.start();
      if (session.state === 'ended') {
        emit('error', { what: 'could not start the session', sid: call.sid });
        return;
      }
      emit('session-initiate-sent', { sid: call.sid, sdp: session.pc.localDescription.sdp, to: call.peer });
    } catch (err) {
      emit('error', { what: 'initiate', sid: call.sid, error: errText(err) });
    }
  }

  async accept(call) {
    const session = call.session;
    if (!session || call.acceptSent) return;
    call.acceptSent = true;
    for (const track of this.stream.getAudioTracks()) await session.addTrack(track, this.stream);
    await session.accept();
    if (session.state === 'ended') {
      emit('error', { what: 'could not accept the session', sid: call.sid });
      return;
    }
    if (call.state !== 'active') call.state = 'initiated';
    emit('session-accept-sent', { sid: call.sid, sdp: session.pc.localDescription.sdp });
  }

  // ---------------------------------------------------------------- commands

  current(sid) {
    if (sid) return this.calls.get(sid);
    const live = [...this.calls.values()].filter((c) => c.state !== 'ended' && !c.fresh);
    return live[live.length - 1];
  }

  async command(cmd) {
    const name = cmd.cmd;
    if (name === 'call') {
      const to = cmd.to || '';
      const jmi = cmd.jmi === undefined ? !this.opts.noJMI : !!cmd.jmi;
      const sid = cmd.sid || newSid();
      const call = new Call(sid, to, 'initiator', jmi);
      this.calls.set(sid, call);
      emit('calling', { sid, to, jmi });
      if (jmi) {
        call.peer = bare(to);
        call.state = 'proposed';
        this.sendJMI(call.peer, 'propose', sid, {
          id: `jm-propose-${sid}`,
          receipt: { type: 'request' },
          processingHints: { store: true },
        });
      } else {
        await this.initiate(call);
      }
      return;
    }
    if (name === 'quit') {
      this.quitting = true;
      for (const call of this.calls.values()) {
        if (call.state !== 'ended') await this.hangup(call, 'success');
      }
      await new Promise((res) => setTimeout(res, 200)); // let the last stanzas leave
      this.client.disconnect();
      return;
    }
    const call = this.current(cmd.sid);
    if (!call) {
      emit('error', { what: 'no call for command', cmd: name });
      return;
    }
    switch (name) {
      case 'answer':
        await this.answer(call);
        break;
      case 'reject':
        await this.reject(call, cmd.reason || 'busy');
        break;
      case 'hangup':
        await this.hangup(call, cmd.reason || 'success');
        break;
      case 'hold':
      case 'active':
        if (!call.session) {
          emit('error', { what: 'no session to put on hold', sid: call.sid });
          return;
        }
        await (name === 'hold' ? call.session.hold() : call.session.resume());
        emit(`${name}-sent`, { sid: call.sid });
        break;
      case 'dtmf':
        this.dtmf(call, String(cmd.tones || ''));
        break;
      default:
        emit('error', { what: 'unknown command', cmd: name });
    }
  }

  async answer(call) {
    if (call.role !== 'responder' || call.answered) {
      emit('error', { what: 'nothing to answer', sid: call.sid });
      return;
    }
    call.answered = true;
    if (call.jmi && !call.session) {
      call.state = 'proceeded';
      this.sendJMI(call.peer, 'proceed', call.sid);
      emit('proceed-sent', { sid: call.sid, to: call.peer });
      return; // accept() runs when session-initiate arrives
    }
    await this.accept(call);
  }

  async reject(call, reason) {
    if (call.jmi && !call.session && call.role === 'responder') {
      this.sendJMI(call.peer, 'reject', call.sid, { reason });
      emit('reject-sent', { sid: call.sid, reason });
      this.end(call);
      return;
    }
    this.terminate(call, reason);
  }

  async hangup(call, reason) {
    if (call.role === 'initiator' && call.jmi && call.state === 'proposed') {
      this.sendJMI(call.peer, 'retract', call.sid, { reason: 'cancel' });
      emit('retract-sent', { sid: call.sid });
      this.end(call);
      return;
    }
    if (call.role === 'responder' && ['proposed', 'pending'].includes(call.state)) {
      await this.reject(call, 'decline');
      return;
    }
    this.terminate(call, reason);
  }

  terminate(call, reason) {
    if (call.state === 'ended') return;
    call.localEnd = true;
    emit('terminated', { sid: call.sid, reason, text: '', by: 'local' });
    if (call.session && call.session.state !== 'ended') call.session.end(reason);
    if (call.jmi) this.sendJMI(bare(call.peer), 'finish', call.sid, { reason });
    this.end(call);
  }

  end(call) {
    call.state = 'ended';
    if (call.session && call.session.state !== 'ended') {
      call.localEnd = true;
      call.session.end('success', true);
    }
    for (const t of call.timers) clearInterval(t);
    call.timers = [];
    for (const f of call.cleanups) f();
    call.cleanups = [];
  }

  dtmf(call, tones) {
    const pc = call.session && call.session.pc;
    const sender = pc && pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
    if (!sender || !sender.dtmf || !sender.dtmf.canInsertDTMF) {
      emit('error', { what: 'dtmf not possible (no telephone-event negotiated?)', sid: call.sid });
      return;
    }
    const played = [];
    sender.dtmf.ontonechange = (e) => {
      if (e.tone) {
        played.push(e.tone);
        return;
      }
      sender.dtmf.ontonechange = null;
      emit('dtmf-sent', { sid: call.sid, tones: played.join('') });
    };
    sender.dtmf.insertDTMF(tones, 100, 70);
  }

  // ---------------------------------------------------------------- media

  listen(session, track) {
    const call = this.calls.get(session.sid);
    if (!call || track.kind !== 'audio') return;
    const stream = new MediaStream([track]);
    // Chrome feeds remote WebRTC audio to WebAudio only while a media
    // element plays it.
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    el.play().catch((err) => emit('error', { what: 'audio element', sid: call.sid, error: errText(err) }));
    const ctx = this.audioCtx;
    ctx.resume();
    const src = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 16384; // about 0.34 s at 48 kHz, measured in three slices
    src.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const detect = this.opts.detect;
    const timer = setInterval(async () => {
      analyser.getFloatTimeDomainData(buf);
      const powers = {};
      for (const f of detect) powers[String(f)] = Math.round(medianPower(buf, ctx.sampleRate, f, 3) * 1e4) / 1e4;
      let packets = 0;
      let frames = 0;
      try {
        const stats = await session.pc.getStats();
        stats.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') {
            packets += s.packetsReceived || 0;
            frames += Math.floor((s.totalSamplesReceived || 0) / (ctx.sampleRate / 50));
          }
        });
      } catch (err) {
        // stats are informative only
      }
      if (call.state === 'ended') return;
      const first = String(detect[0]);
      emit('tone', { sid: call.sid, freq: detect[0], power: powers[first], powers, frames, rate: ctx.sampleRate });
      emit('audio', { sid: call.sid, frames, packets });
    }, REPORT_EVERY_MS);
    call.timers.push(timer);
    call.cleanups.push(() => {
      src.disconnect();
      el.srcObject = null;
    });
  }
}

window.bpStart = async (opts) => {
  const peer = new Peer(opts);
  window.bpPeer = peer;
  await peer.start();
};
window.bpCommand = (cmd) => window.bpPeer.command(cmd);
