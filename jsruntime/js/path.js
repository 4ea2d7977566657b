// path: Node's POSIX path functions.
'use strict';
function normalizeArray(parts, allowAboveRoot) {
  var res = [];
  for (var i = 0; i < parts.length; i++) {
    var p = parts[i];
    if (!p || p === '.') continue;
    if (p === '..') {
      if (res.length && res[res.length - 1] !== '..') res.pop();
      else if (allowAboveRoot) res.push('..');
    } else res.push(p);
  }
  return res;
}
function normalize(p) {
  if (p === '') return '.';
  var abs = p.charAt(0) === '/', trailing = p.charAt(p.length - 1) === '/';
  p = normalizeArray(p.split('/'), !abs).join('/');
  if (!p && !abs) p = '.';
  if (p && trailing) p += '/';
  return (abs ? '/' : '') + p;
}
function join() {
  var parts = [];
  for (var i = 0; i < arguments.length; i++) {
    if (typeof arguments[i] !== 'string') throw new TypeError('The "path" argument must be of type string');
    if (arguments[i]) parts.push(arguments[i]);
  }
  return normalize(parts.join('/'));
}
function resolve() {
  var resolved = '', abs = false;
  for (var i = arguments.length - 1; i >= 0 && !abs; i--) {
    var p = arguments[i];
    if (!p) continue;
    resolved = p + '/' + resolved;
    abs = p.charAt(0) === '/';
  }
  resolved = normalizeArray(resolved.split('/'), !abs).join('/');
  return ((abs ? '/' : '') + resolved) || '.';
}
function dirname(p) {
  if (p.length === 0) return '.';
  var end = p.length;
  while (end > 1 && p.charAt(end - 1) === '/') end--;
  var i = p.lastIndexOf('/', end - 1);
  if (i < 0) return '.';
  if (i === 0) return '/';
  return p.slice(0, i);
}
function basename(p, ext) {
  var end = p.length;
  while (end > 1 && p.charAt(end - 1) === '/') end--;
  var b = p.slice(p.lastIndexOf('/', end - 1) + 1, end);
  if (ext && b.slice(-ext.length) === ext && b !== ext) b = b.slice(0, -ext.length);
  return b;
}
function extname(p) {
  var b = basename(p), i = b.lastIndexOf('.');
  return i <= 0 ? '' : b.slice(i);
}
function isAbsolute(p) { return p.charAt(0) === '/'; }
function relative(from, to) {
  var f = resolve(from).split('/').filter(Boolean), t = resolve(to).split('/').filter(Boolean);
  var i = 0;
  while (i < f.length && i < t.length && f[i] === t[i]) i++;
  return f.slice(i).map(function () { return '..'; }).concat(t.slice(i)).join('/');
}
function parse(p) {
  var base = basename(p), ext = extname(p);
  var dir = dirname(p);
  return { root: isAbsolute(p) ? '/' : '', dir: dir === '.' && !p.includes('/') ? '' : dir, base: base, ext: ext, name: ext ? base.slice(0, -ext.length) : base };
}
function format(o) {
  var dir = o.dir || o.root || '', base = o.base || ((o.name || '') + (o.ext || ''));
  return dir ? (dir === o.root ? dir + base : dir + '/' + base) : base;
}
var path = { sep: '/', delimiter: ':', normalize: normalize, join: join, resolve: resolve, dirname: dirname,
  basename: basename, extname: extname, isAbsolute: isAbsolute, relative: relative, parse: parse, format: format };
path.posix = path;
module.exports = path;
