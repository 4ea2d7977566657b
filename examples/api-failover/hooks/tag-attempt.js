// origin-request: tell each origin which attempt it is serving. On failover this runs again for
// the next member, with request.origin naming it.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const origin = request.origin.custom;
  request.headers['x-attempt-origin'] = [{ value: origin.domainName + ':' + origin.port }];
  return request;
};
