// origin-response (every origin attempt, errors included): note which origin answered.
exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  const origin = request.origin.custom;
  console.log('origin-response: %s:%d answered %s', origin.domainName, origin.port, response.status);
  response.headers['x-hook-origin'] = [{ key: 'X-Hook-Origin', value: origin.domainName + ':' + origin.port }];
  return response;
};
