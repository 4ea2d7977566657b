// util: format and inspect (passed in, as console uses them), plus the helpers Lambda code
// reaches for.
'use strict';
module.exports = function (format, inspect) {
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
