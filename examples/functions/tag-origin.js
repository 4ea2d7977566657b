// origin-request (Lambda@Edge): tells the origin which origin the request was sent to.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const o = request.origin.custom;
  request.headers['x-origin-chosen'] = [{ key: 'X-Origin-Chosen', value: o.domainName + ':' + o.port }];
  return request;
};
