// util: format from goja_nodejs (passed in), plus the helpers Lambda code reaches for.
'use strict';
module.exports = function (format) {
  function inspect(v) {
    if (typeof v === 'string') return "'" + v + "'";
    if (typeof v === 'function') return '[Function: ' + (v.name || 'anonymous') + ']';
    try { var s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (e) { return String(v); }
  }
  function promisify(fn) {
    return function () {
      var args = Array.prototype.slice.call(arguments), self = this;
      return new Promise(function (resolve, reject) {
        args.push(function (err, value) { if (err) reject(err); else resolve(value); });
        fn.apply(self, args);
      });
    };
  }
  function inherits(ctor, superCtor) {
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    Object.setPrototypeOf(ctor, superCtor);
  }
  function isDeepStrictEqual(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  var types = {
    isPromise: function (v) { return v instanceof Promise; },
    isDate: function (v) { return v instanceof Date; },
    isRegExp: function (v) { return v instanceof RegExp; },
  };
  return { format: format, inspect: inspect, promisify: promisify, inherits: inherits,
    isDeepStrictEqual: isDeepStrictEqual, types: types, isArray: Array.isArray };
};
