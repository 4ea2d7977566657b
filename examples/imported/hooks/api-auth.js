// origin-request on /api/*: the API trusts X-Shop-User, so it is set here from the bearer token
// and never taken from the viewer. (A real function would verify the token's signature.)
'use strict';

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  delete request.headers['x-shop-user'];
  const auth = request.headers.authorization;
  if (auth && auth[0].value.startsWith('Bearer ')) {
    request.headers['x-shop-user'] = [{ key: 'X-Shop-User', value: auth[0].value.slice('Bearer '.length) }];
  }
  return request;
};
