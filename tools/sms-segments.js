#!/usr/bin/env node
// Independent SMS segment counter for internal/sms's tests, from the npm
// sms-segments-calculator package (Twilio's).
//
//   node sms-segments.js          reads one JSON string a line on stdin and
//                                 prints one JSON object a line (below)
//   node sms-segments.js --table  prints the package's Unicode -> GSM-7 table
//
// Each answer holds the package's own count ("encoding", "segments", "units")
// and a second count by the same package with its grapheme splitter swapped
// for a code-point splitter ("cpEncoding", "cpSegments"): the package keeps a
// grapheme cluster (a ZWJ emoji sequence, a flag) whole in one segment, which
// GSM 03.40 does not ask and internal/sms does not do. "clustered" says
// whether the text has any cluster of more than one code point, where the two
// counts may differ.
'use strict';

const readline = require('readline');
const textUtils = require('sms-segments-calculator/dist/libs/textUtils');
const { SegmentedMessage } = require('sms-segments-calculator');

if (process.argv[2] === '--table') {
  const table = require('sms-segments-calculator/dist/libs/UnicodeToGSM').default;
  process.stdout.write(JSON.stringify(table) + '\n');
  process.exit(0);
}

const graphemes = textUtils.splitGraphemes;
const codePoints = (s) => Array.from(s);

function count(text, splitter) {
  // SegmentedMessage calls textUtils.splitGraphemes through the module's
  // exports object, so swapping the export swaps the splitter.
  textUtils.splitGraphemes = splitter;
  try {
    return new SegmentedMessage(text);
  } finally {
    textUtils.splitGraphemes = graphemes;
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
rl.on('line', (line) => {
  if (line === '') return;
  const text = JSON.parse(line);
  const m = count(text, graphemes);
  const cp = count(text, codePoints);
  out.push(JSON.stringify({
    encoding: m.encodingName,
    segments: m.segmentsCount,
    // messageSize is in bits without the headers: 7 a septet, 16 a unit.
    units: m.messageSize / (m.encodingName === 'GSM-7' ? 7 : 16),
    cpEncoding: cp.encodingName,
    cpSegments: cp.segmentsCount,
    clustered: m.graphemes.length !== codePoints(text).length,
  }));
});
rl.on('close', () => {
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
});
