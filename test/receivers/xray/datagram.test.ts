/** The daemon protocol: header line, newline, one document; what is refused and why. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DATAGRAM_BYTES, readDatagram } from '../../../src/receivers/xray/datagram.ts';

const SEGMENT = '{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"svc","start_time":1,"end_time":2}';
const dgram = (text: string) => Buffer.from(text, 'utf8');

describe('readDatagram', () => {
  test('the SDKs\' header (with or without spaces) and a document: the document bytes as sent, and parsed', () => {
    for (const header of ['{"format":"json","version":1}', '{"format": "json", "version": 1}', ' { "version": 1, "format": "json" } ']) {
      const d = readDatagram(dgram(`${header}\n${SEGMENT}`));
      assert.equal(d.kind, 'segment', header);
      assert.ok(d.kind === 'segment');
      assert.equal(d.body.toString('utf8'), SEGMENT);
      assert.equal(d.doc['id'], '70de5b6f19ff9a0a');
    }
  });

  test('a document with its own newlines and multi-byte text is kept byte for byte', () => {
    const body = '{\n  "name": "größe ✓",\n  "id": "70de5b6f19ff9a0a"\n}\n';
    const d = readDatagram(dgram(`{"format":"json","version":1}\n${body}`));
    assert.ok(d.kind === 'segment');
    assert.equal(d.body.toString('utf8'), body);
    assert.equal(d.doc['name'], 'größe ✓');
  });

  const refused: Array<[string, string, string, RegExp]> = [
    ['no header line', SEGMENT, 'bad_header', /no header line/],
    ['another version', `{"format":"json","version":2}\n${SEGMENT}`, 'bad_header', /unsupported header/],
    ['another format', `{"format":"protobuf","version":1}\n${SEGMENT}`, 'bad_header', /unsupported header/],
    ['the version as a string', `{"format":"json","version":"1"}\n${SEGMENT}`, 'bad_header', /unsupported header/],
    ['a header that is not JSON', `format=json\n${SEGMENT}`, 'bad_header', /is not JSON/],
    ['a header that is a JSON array', `["json",1]\n${SEGMENT}`, 'bad_header', /not a JSON object/],
    ['a header and nothing after it', '{"format":"json","version":1}\n', 'invalid', /no segment document/],
    ['a header and only blanks', '{"format":"json","version":1}\n  \r\n', 'invalid', /no segment document/],
    ['a truncated document', `{"format":"json","version":1}\n${SEGMENT.slice(0, 40)}`, 'invalid', /not valid JSON/],
    ['a document that is an array', '{"format":"json","version":1}\n[1,2]', 'invalid', /not a JSON object/],
    ['a document that is a string', '{"format":"json","version":1}\n"segment"', 'invalid', /not a JSON object/],
  ];
  for (const [name, text, kind, reason] of refused) {
    test(`refused: ${name}`, () => {
      const d = readDatagram(dgram(text));
      assert.equal(d.kind, kind);
      assert.ok(d.kind !== 'segment');
      assert.match(d.reason, reason);
    });
  }

  test('a header line longer than any real header is not searched for', () => {
    const d = readDatagram(dgram(`${' '.repeat(300)}{"format":"json","version":1}\n${SEGMENT}`));
    assert.equal(d.kind, 'bad_header');
  });

  test('datagrams up to 64 KiB are read; one byte more is too large', () => {
    const header = '{"format":"json","version":1}\n';
    const filler = (total: number) => `${header}{"name":"svc","pad":"${'x'.repeat(total - header.length - 23)}"}`;
    assert.equal(Buffer.byteLength(filler(MAX_DATAGRAM_BYTES)), MAX_DATAGRAM_BYTES);
    assert.equal(readDatagram(dgram(filler(MAX_DATAGRAM_BYTES))).kind, 'segment');
    const big = readDatagram(dgram(filler(MAX_DATAGRAM_BYTES + 1)));
    assert.equal(big.kind, 'too_large');
    assert.ok(big.kind === 'too_large');
    assert.match(big.reason, /65537 bytes; the limit is 65536/);
  });

  test('parse: false checks the header only (a full queue need not parse what it drops)', () => {
    const d = readDatagram(dgram(`{"format":"json","version":1}\n${SEGMENT.slice(0, 10)}`), { parse: false });
    assert.equal(d.kind, 'segment');
  });
});
