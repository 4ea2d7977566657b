// origin-request: A/B testing by cookie. Viewers with "variant=b" are sent to origin B (its
// address is in ab-origin.json); everyone else goes to the configured origin.
const { origin: B } = require('./ab-origin.json');

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const cookies = (request.headers.cookie || []).map((h) => h.value).join('; ');
  if (/(^|;\s*)variant=b(;|$)/.test(cookies)) {
    request.origin.custom.domainName = B.domainName;
    request.origin.custom.port = B.port;
    request.origin.custom.protocol = B.protocol;
    request.headers.host = [{ key: 'Host', value: B.domainName + ':' + B.port }];
  }
  return request;
};
