// GET a URL's body as text (the Prometheus scrapes of the tests).
import * as http from 'node:http';

export const httpGet = (url: string): Promise<string> =>
  new Promise((resolve, reject) => http.get(url, (res) => {
    let body = '';
    res.on('data', (d: Buffer) => (body += d.toString()));
    res.on('end', () => resolve(body));
  }).on('error', reject));
