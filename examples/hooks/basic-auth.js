// viewer-request: HTTP basic authentication at the edge. Without the right credentials the
// viewer gets a 401 generated here; the origin is never asked.
const crypto = require('crypto');
const USER = 'demo';
const PASS = 'secret';
const expected = 'Basic ' + Buffer.from(USER + ':' + PASS).toString('base64');

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const given = (request.headers.authorization || [{ value: '' }])[0].value;
  const ok = given.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) {
    return {
      status: '401',
      statusDescription: 'Unauthorized',
      headers: {
        'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Basic realm="hookfront example"' }],
        'content-type': [{ key: 'Content-Type', value: 'text/plain' }],
      },
      body: 'Authentication required\n',
    };
  }
  return request;
};
