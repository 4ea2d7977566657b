// querystring: Node's legacy API, as Lambda@Edge functions use it.
'use strict';
function qsEscape(s) { return encodeURIComponent(s); }
function qsUnescape(s) {
  try { return decodeURIComponent(s); } catch (e) { return unescape(s); }
}
function stringifyPrimitive(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && isFinite(v)) return '' + v;
  if (typeof v === 'bigint') return '' + v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return '';
}
function parse(qs, sep, eq, options) {
  sep = sep || '&'; eq = eq || '=';
  var obj = Object.create(null);
  if (typeof qs !== 'string' || qs.length === 0) return obj;
  var maxKeys = (options && typeof options.maxKeys === 'number') ? options.maxKeys : 1000;
  var decode = (options && typeof options.decodeURIComponent === 'function') ? options.decodeURIComponent : qsUnescape;
  var parts = qs.split(sep);
  if (maxKeys > 0 && parts.length > maxKeys) parts = parts.slice(0, maxKeys);
  for (var i = 0; i < parts.length; i++) {
    var x = parts[i].replace(/\+/g, '%20');
    if (x.length === 0) continue;
    var idx = x.indexOf(eq), k, v;
    if (idx >= 0) { k = x.substr(0, idx); v = x.substr(idx + eq.length); } else { k = x; v = ''; }
    k = decode(k); v = decode(v);
    if (!Object.prototype.hasOwnProperty.call(obj, k)) obj[k] = v;
    else if (Array.isArray(obj[k])) obj[k].push(v);
    else obj[k] = [obj[k], v];
  }
  return obj;
}
function stringify(obj, sep, eq, options) {
  sep = sep || '&'; eq = eq || '=';
  var encode = (options && typeof options.encodeURIComponent === 'function') ? options.encodeURIComponent : qsEscape;
  if (obj === null || typeof obj !== 'object') return '';
  return Object.keys(obj).map(function (k) {
    var ks = encode(stringifyPrimitive(k)) + eq;
    if (Array.isArray(obj[k])) {
      return obj[k].map(function (v) { return ks + encode(stringifyPrimitive(v)); }).join(sep);
    }
    return ks + encode(stringifyPrimitive(obj[k]));
  }).filter(Boolean).join(sep);
}
module.exports = { parse: parse, decode: parse, stringify: stringify, encode: stringify, escape: qsEscape, unescape: qsUnescape };
