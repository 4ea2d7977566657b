// util.inspect and util.format, printing values the way Node.js prints them (what console.log
// shows in a Lambda function's log): { a: 1, b: 'x' }, [ 1, 2, 3 ], Map(1) { 'k' => 1 },
// [Function: f], <ref *1> { self: [Circular *1] }, nesting cut at depth 2, lines broken past 80
// characters, arrays of more than six short items grouped in columns.
'use strict';

var kObject = 0, kArrayExtras = 1;
var defaults = { showHidden: false, depth: 2, breakLength: 80, compact: 3, maxArrayLength: 100, maxStringLength: 10000 };
var builtIns = new Set(['Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'Date', 'Promise',
  'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError',
  'URIError', 'ArrayBuffer', 'DataView', 'Map', 'Set', 'WeakMap', 'WeakSet', 'BigInt', 'Proxy', 'Reflect', 'JSON',
  'Math', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'WeakRef', 'FinalizationRegistry']);
var identifier = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
var arrayIndex = /^(0|[1-9][0-9]*)$/;
var hasOwn = Object.prototype.hasOwnProperty;
var TypedArray = Object.getPrototypeOf(Uint8Array);

function escapeChar(c) {
  switch (c) {
    case '\b': return '\\b';
    case '\t': return '\\t';
    case '\n': return '\\n';
    case '\f': return '\\f';
    case '\r': return '\\r';
    case '\\': return '\\\\';
    case "'": return "\\'";
  }
  var hex = c.charCodeAt(0).toString(16).toUpperCase();
  return '\\x' + (hex.length < 2 ? '0' : '') + hex;
}

// quote picks single quotes, or double quotes or backticks when that spares escaping a quote.
function quote(s) {
  var q = "'";
  if (s.indexOf("'") !== -1) {
    if (s.indexOf('"') === -1) q = '"';
    else if (s.indexOf('`') === -1 && s.indexOf('${') === -1) q = '`';
  }
  var re = q === "'" ? /[\x00-\x1f\x27\x5c\x7f-\x9f]/g : /[\x00-\x1f\x5c\x7f-\x9f]/g;
  return q + s.replace(re, escapeChar) + q;
}

function formatNumber(n) { return Object.is(n, -0) ? '-0' : String(n); }

function formatPrimitive(ctx, v) {
  switch (typeof v) {
    case 'string': {
      var trailer = '';
      if (v.length > ctx.maxStringLength) {
        var more = v.length - ctx.maxStringLength;
        v = v.slice(0, ctx.maxStringLength);
        trailer = '... ' + more + ' more character' + (more > 1 ? 's' : '');
      }
      // A long string with line breaks is shown one line per piece.
      if (v.length > 16 && v.length > ctx.breakLength - ctx.indentationLvl - 4) {
        var lines = v.split('\n'), parts = [];
        for (var i = 0; i < lines.length; i++) {
          var line = i < lines.length - 1 ? lines[i] + '\n' : lines[i];
          if (line !== '') parts.push(quote(line));
        }
        if (parts.length > 1) return parts.join(' +\n' + ' '.repeat(ctx.indentationLvl + 2)) + trailer;
      }
      return quote(v) + trailer;
    }
    case 'number': return formatNumber(v);
    case 'bigint': return v + 'n';
    case 'symbol': return v.toString();
  }
  return String(v); // boolean, undefined
}

// constructorName is the name of the first constructor on the prototype chain that o is an
// instance of (a function's prototype object is an Object, not an instance of the function), or
// null for an object without a prototype.
function constructorName(o) {
  for (var p = o; p !== null; p = Object.getPrototypeOf(p)) {
    var d = Object.getOwnPropertyDescriptor(p, 'constructor');
    if (d !== undefined && typeof d.value === 'function' && d.value.name !== '' && instanceOf(o, d.value)) return d.value.name;
  }
  return null;
}

function instanceOf(o, ctor) {
  try {
    return o instanceof ctor;
  } catch (e) {
    return false;
  }
}

function prefix(ctor, tag, fallback, size) {
  if (ctor === null) return '[' + fallback + (size || '') + ': null prototype] ' + (tag !== '' && tag !== fallback ? '[' + tag + '] ' : '');
  return ctor + (size || '') + ' ' + (tag !== '' && tag !== ctor ? '[' + tag + '] ' : '');
}

function ownKeys(o, showHidden, skipIndexes) {
  var keys = showHidden ? Object.getOwnPropertyNames(o) : Object.keys(o);
  if (skipIndexes) keys = keys.filter(function (k) { return !arrayIndex.test(k); });
  var syms = Object.getOwnPropertySymbols(o);
  for (var i = 0; i < syms.length; i++) {
    if (showHidden || Object.prototype.propertyIsEnumerable.call(o, syms[i])) keys.push(syms[i]);
  }
  return keys;
}

function formatValue(ctx, v, depth) {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) {
    return v === null ? 'null' : formatPrimitive(ctx, v);
  }
  if (ctx.seen.indexOf(v) !== -1) {
    var index = ctx.circular.get(v);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(v, index);
    }
    return '[Circular *' + index + ']';
  }
  return formatRaw(ctx, v, depth);
}

function formatRaw(ctx, v, depth) {
  var ctor = constructorName(v);
  var tag = v[Symbol.toStringTag];
  if (typeof tag !== 'string' || hasOwn.call(v, Symbol.toStringTag)) tag = '';
  var base = '', braces = ['{', '}'], extras = kObject, formatter = null, keys, p;
  if (Array.isArray(v)) {
    keys = ownKeys(v, ctx.showHidden, true);
    p = prefix(ctor, tag, 'Array', '(' + v.length + ')');
    braces = [(p === 'Array(' + v.length + ') ' ? '' : p) + '[', ']'];
    if (v.length === 0 && keys.length === 0) return braces[0] + ']';
    extras = kArrayExtras;
    formatter = formatArray;
  } else if (typeof Buffer === 'function' && v instanceof Buffer) {
    var n = Math.min(v.length, 50), hex = [];
    for (var i = 0; i < n; i++) hex.push((v[i] < 16 ? '0' : '') + v[i].toString(16));
    var rest = v.length - n;
    return '<Buffer' + (hex.length ? ' ' + hex.join(' ') : '') + (rest > 0 ? ' ... ' + rest + ' more byte' + (rest > 1 ? 's' : '') : '') + '>';
  } else if (v instanceof TypedArray) {
    keys = ownKeys(v, false, true);
    braces = [prefix(ctor, tag, 'TypedArray', '(' + v.length + ')') + '[', ']'];
    if (v.length === 0 && keys.length === 0) return braces[0] + ']';
    extras = kArrayExtras;
    formatter = formatTypedArray;
  } else if (v instanceof Set) {
    keys = ownKeys(v, ctx.showHidden);
    p = prefix(ctor, tag, 'Set', '(' + v.size + ')');
    if (v.size === 0 && keys.length === 0) return p + '{}';
    braces = [p + '{', '}'];
    formatter = formatSet;
  } else if (v instanceof Map) {
    keys = ownKeys(v, ctx.showHidden);
    p = prefix(ctor, tag, 'Map', '(' + v.size + ')');
    if (v.size === 0 && keys.length === 0) return p + '{}';
    braces = [p + '{', '}'];
    formatter = formatMap;
  } else {
    keys = ownKeys(v, ctx.showHidden);
    if (typeof v === 'function') {
      base = functionBase(v, ctor, tag);
      if (ctx.showHidden) {
        // In V8's order: length, name, then the rest.
        keys = keys.filter(function (k) { return k !== 'arguments' && k !== 'caller'; }).sort(function (a, b) {
          var order = { length: 0, name: 1 };
          return (order[a] === undefined ? 2 : order[a]) - (order[b] === undefined ? 2 : order[b]);
        });
      }
      if (keys.length === 0) return base;
    } else if (v instanceof RegExp) {
      base = RegExp.prototype.toString.call(v);
      if (keys.length === 0 || depth > ctx.depth) return base;
    } else if (v instanceof Date) {
      base = isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (keys.length === 0) return base;
    } else if (v instanceof Error) {
      keys = keys.filter(function (k) { return k !== 'stack' && k !== 'message'; });
      base = formatError(ctx, v);
      if (keys.length === 0) return base;
    } else if (v instanceof Number || v instanceof String || v instanceof Boolean) {
      var type = v instanceof Number ? 'Number' : v instanceof String ? 'String' : 'Boolean';
      if (type === 'String') keys = keys.filter(function (k) { return !arrayIndex.test(k) || +k >= v.length; });
      base = '[' + type + (ctor !== type ? ' (' + ctor + ')' : '') + ': ' + formatPrimitive(ctx, v.valueOf()) + ']';
      if (keys.length === 0) return base;
    } else if (v instanceof WeakMap || v instanceof WeakSet) {
      return prefix(ctor, tag, '') + '{ <items unknown> }';
    } else if (v instanceof ArrayBuffer) {
      var bytes = new Uint8Array(v), shown = [];
      for (var j = 0; j < Math.min(bytes.length, ctx.maxArrayLength); j++) shown.push((bytes[j] < 16 ? '0' : '') + bytes[j].toString(16));
      var left = bytes.length - shown.length;
      braces[0] = prefix(ctor, tag, 'ArrayBuffer') + '{';
      formatter = function () { return ['[Uint8Contents]: <' + shown.join(' ') + (left > 0 ? ' ... ' + left + ' more byte' + (left > 1 ? 's' : '') : '') + '>', 'byteLength: ' + v.byteLength]; };
    } else {
      if (ctor === 'Object') {
        if (tag !== '') braces[0] = prefix(ctor, tag, 'Object') + '{';
        if (keys.length === 0) return braces[0] + '}';
      } else {
        braces[0] = prefix(ctor, tag, 'Object') + '{';
        if (keys.length === 0) return braces[0] + '}';
      }
    }
  }
  if (depth > ctx.depth) {
    var name = prefix(ctor, tag, Array.isArray(v) ? 'Array' : 'Object').slice(0, -1);
    return ctor !== null ? '[' + name + ']' : name;
  }
  depth++;
  ctx.seen.push(v);
  ctx.currentDepth = depth;
  var output = formatter ? formatter(ctx, v, depth) : [];
  for (var k = 0; k < keys.length; k++) output.push(formatProperty(ctx, v, depth, keys[k], extras));
  ctx.seen.pop();
  var ref = ctx.circular.get(v);
  if (ref !== undefined) base = base === '' ? '<ref *' + ref + '>' : '<ref *' + ref + '> ' + base;
  return reduceToSingleString(ctx, output, base, braces, extras, depth, v);
}

function functionBase(fn, ctor, tag) {
  var src = Function.prototype.toString.call(fn);
  if (src.slice(0, 5) === 'class' && /^class\b/.test(src)) {
    var m = /^class\s+[A-Za-z_$][\w$]*\s+extends\s+([\w$.]+)/.exec(src);
    return '[class ' + (fn.name || '(anonymous)') + (m ? ' extends ' + m[1] : '') + ']';
  }
  var type = ctor === 'AsyncFunction' || ctor === 'GeneratorFunction' || ctor === 'AsyncGeneratorFunction' ? ctor : 'Function';
  var base = '[' + type + (ctor === null ? ' (null prototype)' : '') + (fn.name === '' ? ' (anonymous)' : ': ' + fn.name) + ']';
  if (ctor !== type && ctor !== null && ctor !== 'Function') base += ' ' + ctor;
  if (tag !== '' && ctor !== tag) base += ' [' + tag + ']';
  return base;
}

// formatError is the error's stack in Node's shape ("    at" frames), or [Name: message] when
// it has none.
function formatError(ctx, err) {
  var stack = typeof err.stack === 'string' && err.stack !== '' ? err.stack : Error.prototype.toString.call(err);
  // goja's frames read "\tat f (/h.js:2:5(12))": indent them as Node does, and drop the
  // program counter and the hooks folder's leading slash.
  stack = stack.replace(/\n\tat /g, '\n    at ').replace(/(:\d+:\d+)\(\d+\)/g, '$1').replace(/(\n    at (?:[^\n]* \()?)\//g, '$1');
  stack = stack.replace(/\n+$/, '');
  if (stack.indexOf('\n    at') === -1) stack = '[' + stack + ']';
  if (ctx.indentationLvl !== 0) stack = stack.replace(/\n/g, '\n' + ' '.repeat(ctx.indentationLvl));
  return stack;
}

function formatArray(ctx, v, depth) {
  var len = Math.min(Math.max(0, ctx.maxArrayLength), v.length), output = [], holes = 0;
  for (var i = 0; i < len; i++) {
    if (!hasOwn.call(v, i)) {
      holes++;
      continue;
    }
    if (holes > 0) {
      output.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>');
      holes = 0;
    }
    output.push(formatProperty(ctx, v, depth, i, kArrayExtras, true));
  }
  if (holes > 0) output.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>');
  var remaining = v.length - len;
  if (remaining > 0) output.push('... ' + remaining + ' more item' + (remaining > 1 ? 's' : ''));
  return output;
}

function formatTypedArray(ctx, v) {
  var len = Math.min(Math.max(0, ctx.maxArrayLength), v.length), output = [];
  for (var i = 0; i < len; i++) output.push(typeof v[i] === 'bigint' ? v[i] + 'n' : formatNumber(v[i]));
  if (v.length > len) output.push('... ' + (v.length - len) + ' more item' + (v.length - len > 1 ? 's' : ''));
  return output;
}

function formatSet(ctx, v, depth) {
  var output = [];
  ctx.indentationLvl += 2;
  v.forEach(function (x) { output.push(formatValue(ctx, x, depth)); });
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx, v, depth) {
  var output = [];
  ctx.indentationLvl += 2;
  v.forEach(function (x, k) { output.push(formatValue(ctx, k, depth) + ' => ' + formatValue(ctx, x, depth)); });
  ctx.indentationLvl -= 2;
  return output;
}

function formatProperty(ctx, o, depth, key, extras, element) {
  var d = Object.getOwnPropertyDescriptor(o, key) || { value: o[key], enumerable: true }, str;
  if (d.value !== undefined) {
    ctx.indentationLvl += 2;
    str = formatValue(ctx, d.value, depth);
    ctx.indentationLvl -= 2;
  } else if (d.get !== undefined) {
    str = d.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else if (d.set !== undefined) {
    str = '[Setter]';
  } else {
    str = 'undefined';
  }
  if (element) return str;
  var name;
  if (typeof key === 'symbol') name = '[' + key.toString() + ']';
  else if (d.enumerable === false) name = '[' + key + ']';
  else if (identifier.test(key)) name = key;
  else name = quote(key);
  return name + ': ' + str;
}

// groupArrayElements lays out more than six short array items in aligned columns.
function groupArrayElements(ctx, output, value) {
  var total = 0, maxLen = 0, count = output.length;
  if (ctx.maxArrayLength < value.length && /^\.\.\. \d+ more item/.test(output[count - 1])) count--;
  var lens = [];
  for (var i = 0; i < count; i++) {
    lens.push(output[i].length);
    total += output[i].length + 2;
    if (maxLen < output[i].length) maxLen = output[i].length;
  }
  var actualMax = maxLen + 2;
  if (actualMax * 3 + ctx.indentationLvl >= ctx.breakLength || (total / actualMax <= 5 && maxLen > 6)) return output;
  var averageBias = Math.sqrt(actualMax - total / output.length);
  var biasedMax = Math.max(actualMax - 3 - averageBias, 1);
  var columns = Math.min(Math.round(Math.sqrt(2.5 * biasedMax * count) / biasedMax),
    Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax), ctx.compact * 4, 15);
  if (columns <= 1) return output;
  var widths = [];
  for (var c = 0; c < columns; c++) {
    var w = 0;
    for (var j = c; j < output.length; j += columns) if (lens[j] > w) w = lens[j];
    widths.push(w + 2);
  }
  var padStart = true;
  for (var x = 0; x < value.length && x < output.length; x++) {
    if (typeof value[x] !== 'number' && typeof value[x] !== 'bigint') {
      padStart = false;
      break;
    }
  }
  var rows = [];
  for (var r = 0; r < count; r += columns) {
    var last = Math.min(r + columns, count), row = '', e = r;
    for (; e < last - 1; e++) {
      var cell = output[e] + ', ';
      row += padStart ? cell.padStart(widths[e - r]) : cell.padEnd(widths[e - r]);
    }
    row += padStart ? output[e].padStart(widths[e - r] - 2) : output[e];
    rows.push(row);
  }
  if (count < output.length) rows.push(output[count]);
  return rows;
}

function reduceToSingleString(ctx, output, base, braces, extras, depth, value) {
  var entries = output.length;
  if (extras === kArrayExtras && entries > 6) output = groupArrayElements(ctx, output, value);
  // Up to `compact` inner levels share one line when it stays within breakLength.
  if (ctx.currentDepth - depth < ctx.compact && entries === output.length) {
    var start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10, total = output.length + start, fits = total + output.length <= ctx.breakLength;
    for (var i = 0; fits && i < output.length; i++) {
      total += output[i].length;
      fits = total <= ctx.breakLength;
    }
    if (fits && base.indexOf('\n') === -1) {
      var joined = output.join(', ');
      if (joined.indexOf('\n') === -1) return (base ? base + ' ' : '') + braces[0] + ' ' + joined + ' ' + braces[1];
    }
  }
  var indentation = '\n' + ' '.repeat(ctx.indentationLvl);
  return (base ? base + ' ' : '') + braces[0] + indentation + '  ' + output.join(',' + indentation + '  ') + indentation + braces[1];
}

function inspect(value, opts) {
  var ctx = { seen: [], circular: new Map(), indentationLvl: 0, currentDepth: 0 };
  for (var k in defaults) ctx[k] = defaults[k];
  if (typeof opts === 'boolean') ctx.showHidden = opts;
  else if (opts) for (var o in defaults) if (opts[o] !== undefined) ctx[o] = opts[o];
  if (ctx.depth === null) ctx.depth = Infinity;
  if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
  if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
  return formatValue(ctx, value, 0);
}

// builtInToString reports whether v's toString is the one of a built-in class, so that %s
// inspects it rather than calling a user's toString.
function builtInToString(v) {
  if (typeof v.toString !== 'function' || hasOwn.call(v, 'toString')) return typeof v.toString !== 'function';
  var p = v;
  do { p = Object.getPrototypeOf(p); } while (p !== null && !hasOwn.call(p, 'toString'));
  if (p === null) return true;
  var d = Object.getOwnPropertyDescriptor(p, 'constructor');
  return d !== undefined && typeof d.value === 'function' && builtIns.has(d.value.name);
}

function stringify(v) {
  try {
    return String(JSON.stringify(v));
  } catch (e) {
    if (e instanceof TypeError && /circular/i.test(e.message)) return '[Circular]';
    throw e;
  }
}

function format(first) {
  var args = arguments, a = 0, str = '', join = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    var last = 0, piece;
    for (var i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      var c = first[++i];
      if (a + 1 === args.length) {
        if (c === '%') {
          str += first.slice(last, i);
          last = i + 1;
        }
        continue;
      }
      switch (c) {
        case 's': {
          var s = args[++a];
          if (typeof s === 'number') piece = formatNumber(s);
          else if (typeof s === 'bigint') piece = s + 'n';
          else if (typeof s !== 'object' || s === null || !builtInToString(s)) piece = String(s);
          else piece = inspect(s, { depth: 0 });
          break;
        }
        case 'j': piece = stringify(args[++a]); break;
        case 'd': {
          var d = args[++a];
          piece = typeof d === 'bigint' ? d + 'n' : typeof d === 'symbol' ? 'NaN' : formatNumber(Number(d));
          break;
        }
        case 'i': {
          var n = args[++a];
          piece = typeof n === 'bigint' ? n + 'n' : typeof n === 'symbol' ? 'NaN' : formatNumber(parseInt(n));
          break;
        }
        case 'f': {
          var f = args[++a];
          piece = typeof f === 'symbol' ? 'NaN' : formatNumber(parseFloat(f));
          break;
        }
        case 'o': piece = inspect(args[++a], { showHidden: true, depth: 4 }); break;
        case 'O': piece = inspect(args[++a]); break;
        case 'c': a++; piece = ''; break;
        case '%':
          str += first.slice(last, i);
          last = i + 1;
          continue;
        default:
          continue;
      }
      if (last !== i - 1) str += first.slice(last, i - 1);
      str += piece;
      last = i + 1;
    }
    if (last !== 0) {
      a++;
      join = ' ';
      if (last < first.length) str += first.slice(last);
    }
  }
  for (; a < args.length; a++) {
    str += join + (typeof args[a] === 'string' ? args[a] : inspect(args[a]));
    join = ' ';
  }
  return str;
}

module.exports = { inspect: inspect, format: format };
