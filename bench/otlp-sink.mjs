import { createServer } from 'node:http';
let n = 0;
createServer((req, res) => { req.resume(); req.on('end', () => { n++; res.writeHead(200, {'content-type': 'application/json'}).end('{}'); }); })
  .listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => { console.error(`sink: ${n} exports`); process.exit(0); });
