#!/usr/bin/env node
// An independent SMSC for the SMPP adapter's tests, built on npm smpp
// (not on gosmpp, which the adapter uses). It listens on a free loopback
// port, takes bind_transceiver from the one system_id/password given on
// the command line, answers submit_sm and enquire_link, and reports what
// it saw as JSON lines on stdout. It obeys JSON commands, one a line, on
// stdin; each command is acknowledged with {"event":"ack","id":N,...}.
//
//   node smsc.js SYSTEM_ID PASSWORD
//
// Commands:
//   {"id":1,"cmd":"deliver","pdu":{...deliver_sm fields...},"hex":"..."}
//       sends deliver_sm to every bound session; short_message may be
//       given as hex (raw octets, UDH included) in "hex"; the ack carries
//       the command_status of each deliver_sm_resp.
//   {"id":2,"cmd":"fail","status":88}    answer submit_sm with that status
//   {"id":2,"cmd":"fail","status":88,"after":1}
//                                        take one more submit_sm, then fail
//   {"id":3,"cmd":"hang"}                never answer submit_sm
//   {"id":4,"cmd":"ok"}                  answer submit_sm normally
//   {"id":5,"cmd":"drop"}                close every session at once
//   {"id":6,"cmd":"down"} / {"cmd":"up"} refuse (close) new connections
//   {"id":7,"cmd":"mute"}                stop answering enquire_link on the
//                                        sessions bound now (a dead link)
//   {"id":8,"cmd":"early","pdu":{...}}   on the next good bind, send this
//                                        deliver_sm before the bind_resp;
//                                        its answer is reported as
//                                        {"event":"early","command":..,
//                                        "command_status":..}
//
// Events: {"event":"listening","port":P}, {"event":"bind","ok":bool,
// "system_id":...}, {"event":"submit", ...} (see recordSubmit),
// {"event":"unbind"}.
'use strict';

const smpp = require('smpp');
const readline = require('readline');

const [systemID, password] = process.argv.slice(2);
let mode = {kind: 'ok'};
let down = false;
let nextID = 0;
let early = null;
const sessions = new Set();

function emit(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

// recordSubmit describes a submit_sm: the raw short_message, the UDH it
// starts with when esm_class has UDHI (0x40), the concatenation element
// (IEI 0x00 or 0x08) parsed here independently of the adapter, and the
// text decoded by npm smpp.
function recordSubmit(pdu, raw, id) {
  const udhi = (pdu.esm_class & 0x40) !== 0;
  let udh = null;
  let concat = null;
  let body = raw;
  if (udhi && raw.length > 0) {
    const udhl = raw[0];
    udh = raw.slice(0, udhl + 1);
    body = raw.slice(udhl + 1);
    for (let i = 1; i + 1 < udh.length;) {
      const iei = udh[i];
      const len = udh[i + 1];
      const d = udh.slice(i + 2, i + 2 + len);
      if (iei === 0x00 && len === 3) concat = {ref: d[0], total: d[1], seq: d[2], iei: 0};
      if (iei === 0x08 && len === 4) concat = {ref: d.readUInt16BE(0), total: d[2], seq: d[3], iei: 8};
      i += 2 + len;
    }
  }
  let text;
  if (pdu.data_coding === 8) {
    const b = Buffer.from(body);
    b.swap16();
    text = b.toString('utf16le');
  } else {
    const m = pdu.short_message;
    text = m && typeof m === 'object' && 'message' in m ? m.message : String(m);
  }
  emit({
    event: 'submit',
    message_id: id,
    source: pdu.source_addr,
    source_ton: pdu.source_addr_ton,
    source_npi: pdu.source_addr_npi,
    dest: pdu.destination_addr,
    dest_ton: pdu.dest_addr_ton,
    dest_npi: pdu.dest_addr_npi,
    data_coding: pdu.data_coding,
    esm_class: pdu.esm_class,
    registered_delivery: pdu.registered_delivery,
    sm_length: raw.length,
    udh: udh ? udh.toString('hex') : '',
    concat,
    text,
  });
}

const server = smpp.createServer((session) => {
  if (down) {
    session.destroy();
    return;
  }
  let bound = false;
  session.on('error', () => {});
  session.on('close', () => sessions.delete(session));
  session.on('bind_transceiver', (pdu) => {
    const ok = pdu.system_id === systemID && pdu.password === password;
    emit({event: 'bind', ok, system_id: pdu.system_id, system_type: pdu.system_type});
    if (!ok) {
      // ESME_RINVPASWD, or ESME_RINVSYSID for an unknown system_id.
      session.send(pdu.response({command_status: pdu.system_id === systemID ? 0x0e : 0x0f}));
      session.close();
      return;
    }
    bound = true;
    sessions.add(session);
    if (early) {
      const fields = early;
      early = null;
      // The answer to a PDU sent before the bind is complete: whatever
      // comes back with its sequence number.
      session.deliver_sm(fields, (resp) => emit({event: 'early', command: resp.command, command_status: resp.command_status}));
    }
    session.send(pdu.response({system_id: 'nodesmsc'}));
  });
  session.on('enquire_link', (pdu) => {
    if (!session.muted) session.send(pdu.response());
  });
  // npm smpp matches a generic_nack to its request by sequence number.
  session.on('generic_nack', () => {});
  session.on('unbind', (pdu) => {
    emit({event: 'unbind'});
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (!bound) {
      session.send(pdu.response({command_status: 0x04})); // ESME_RINVBNDSTS
      return;
    }
    // The raw octets: npm smpp decodes short_message, so encode it back
    // the way it was read (UDH first when there is one).
    const raw = rawMessage(pdu);
    if (mode.kind === 'hang') {
      emit({event: 'hung'});
      return;
    }
    if (mode.kind === 'fail' && mode.after > 0) {
      mode.after--;
    } else if (mode.kind === 'fail') {
      emit({event: 'refused', status: mode.status});
      session.send(pdu.response({command_status: mode.status}));
      return;
    }
    const id = 'msg-' + (++nextID);
    recordSubmit(pdu, raw, id);
    session.send(pdu.response({message_id: id}));
  });
});

// rawMessage rebuilds the short_message octets npm smpp decoded.
function rawMessage(pdu) {
  const m = pdu.short_message;
  if (Buffer.isBuffer(m)) return m;
  const udh = m.udh ? Buffer.concat(m.udh) : Buffer.alloc(0);
  const udhl = udh.length ? Buffer.from([udh.length]) : Buffer.alloc(0);
  let body;
  if (Buffer.isBuffer(m.message)) {
    body = m.message;
  } else if (pdu.data_coding === 8) {
    body = Buffer.from(m.message, 'utf16le');
    body.swap16();
  } else {
    body = smpp.encodings.ASCII.encode(m.message);
  }
  return Buffer.concat([udhl, udh, body]);
}

function deliver(c) {
  const targets = [...sessions];
  if (targets.length === 0) return Promise.resolve([]);
  return Promise.all(targets.map((s) => new Promise((resolve) => {
    const fields = Object.assign({}, c.pdu || {});
    if (c.hex !== undefined) fields.short_message = Buffer.from(c.hex, 'hex');
    for (const k of ['receipted_message_id']) {
      if (fields[k] === undefined) delete fields[k];
    }
    const sent = s.deliver_sm(fields, (resp) => resolve(resp.command_status));
    if (!sent) resolve(-1);
  })));
}

readline.createInterface({input: process.stdin}).on('line', async (line) => {
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    emit({event: 'error', error: String(e)});
    return;
  }
  switch (c.cmd) {
    case 'deliver': {
      const statuses = await deliver(c);
      emit({event: 'ack', id: c.id, statuses});
      return;
    }
    case 'fail': mode = {kind: 'fail', status: c.status, after: c.after || 0}; break;
    case 'hang': mode = {kind: 'hang'}; break;
    case 'ok': mode = {kind: 'ok'}; break;
    case 'drop': for (const s of sessions) s.destroy(); sessions.clear(); break;
    case 'down': down = true; for (const s of sessions) s.destroy(); sessions.clear(); break;
    case 'up': down = false; break;
    case 'mute': for (const s of sessions) s.muted = true; break;
    case 'early': early = c.pdu; break;
    default: emit({event: 'error', error: 'unknown command ' + c.cmd}); return;
  }
  emit({event: 'ack', id: c.id, sessions: sessions.size});
}).on('close', () => process.exit(0));

server.listen(0, '127.0.0.1', () => emit({event: 'listening', port: server.address().port}));
