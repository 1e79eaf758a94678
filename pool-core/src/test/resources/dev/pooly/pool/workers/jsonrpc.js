// A JSON-RPC server speaking the LSP base protocol (Content-Length headers, length in bytes) on stdio.
// "upper" answers params.text upper-cased with its length in bytes and characters; "bad" answers with
// a malformed header, to show the quiet rule.
let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const m = /Content-Length: *(\d+)/i.exec(buf.subarray(0, end).toString('ascii'));
    const length = parseInt(m[1], 10);
    if (buf.length < end + 4 + length) return;
    const request = JSON.parse(buf.subarray(end + 4, end + 4 + length).toString('utf8'));
    buf = buf.subarray(end + 4 + length);
    if (request.method === 'bad') {
      process.stdout.write('Content-Length 5\r\n\r\nhello');
      continue;
    }
    const text = request.params.text;
    const body = Buffer.from(JSON.stringify({jsonrpc: '2.0', id: request.id,
      result: {text: text.toUpperCase(), bytes: Buffer.byteLength(text, 'utf8'), chars: [...text].length}}), 'utf8');
    process.stdout.write(Buffer.concat([Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ' + body.length + '\r\n\r\n', 'ascii'), body]));
  }
});
