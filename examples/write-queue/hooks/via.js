// Tells the API which region an attempt went to: on failover, and on each delivery of a queued
// write, the hook runs again with request.origin naming that attempt's origin.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const origin = request.origin.custom;
  request.headers['x-delivered-via'] = [{key: 'X-Delivered-Via', value: `${origin.domainName}:${origin.port}`}];
  return request;
};
