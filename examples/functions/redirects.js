// viewer-request (cloudfront-js-2.0): permanent redirects kept in a key value store, so that
// they change without changing the function: {"data": [{"key": "/old", "value": "/new"}]}.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    try {
        const target = await kvs.get(request.uri);
        return {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: { location: { value: target } },
        };
    } catch (e) {
        return request; // not a redirect: the key is not in the store
    }
}
