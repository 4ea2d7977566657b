package jsruntime

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// functionHashes are the algorithms CloudFront Functions' crypto module offers.
var functionHashes = []string{"md5", "sha1", "sha256"}

// fnCrypto is CloudFront Functions' crypto module: createHash and createHmac, with digests as
// hex, base64 or base64url text, or without an encoding as a Buffer (2.0) or a byte string (1.0).
func (v *vm) fnCrypto() goja.Value {
	rt := v.rt
	m := rt.NewObject()
	mk := func(alg string) func() hash.Hash {
		alg = strings.ToLower(alg)
		if !slices.Contains(functionHashes, alg) {
			panic(rt.NewTypeError("Digest method not supported: %s (CloudFront Functions offer md5, sha1 and sha256)", alg))
		}
		return hashes[alg]
	}
	_ = m.Set("createHash", func(call goja.FunctionCall) goja.Value {
		return v.fnHash(mk(call.Argument(0).String())())
	})
	_ = m.Set("createHmac", func(call goja.FunctionCall) goja.Value {
		h := mk(call.Argument(0).String())
		return v.fnHash(hmac.New(h, v.fnBytes(call.Argument(1), goja.Undefined())))
	})
	return m
}

func (v *vm) fnHash(h hash.Hash) goja.Value {
	rt := v.rt
	obj := rt.NewObject()
	done := false
	_ = obj.Set("update", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(rt.NewGoError(rangeError("Digest already called")))
		}
		h.Write(v.fnBytes(call.Argument(0), call.Argument(1)))
		return obj
	})
	_ = obj.Set("digest", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(rt.NewGoError(rangeError("Digest already called")))
		}
		done = true
		sum := h.Sum(nil)
		switch enc := call.Argument(0); {
		case goja.IsUndefined(enc):
			if v.fn.script.runtime == Runtime20 {
				return buffer.WrapBytes(rt, sum)
			}
			return rt.ToValue(v.byteString(sum))
		case enc.String() == "hex":
			return rt.ToValue(hex.EncodeToString(sum))
		case enc.String() == "base64":
			return rt.ToValue(base64.StdEncoding.EncodeToString(sum))
		case enc.String() == "base64url":
			return rt.ToValue(base64.RawURLEncoding.EncodeToString(sum))
		default:
			panic(rt.NewTypeError("Unknown digest encoding: %s (hex, base64 or base64url)", enc.String()))
		}
	})
	return obj
}

// fnBytes reads data for a hash: in 2.0 a Buffer or typed array, or a string (UTF-8, or in the
// given encoding); in 1.0 a byte string as its bytes and any other string as UTF-8.
func (v *vm) fnBytes(data, enc goja.Value) []byte {
	if v.fn.script.runtime == Runtime20 {
		return buffer.DecodeBytes(v.rt, data, enc)
	}
	s := data.String()
	if v.fn.byteStrings[s] {
		return latin1(s)
	}
	return []byte(s)
}

// byteString makes a 1.0 byte string: one character per byte. It is remembered for the call, so
// that crypto reads it back as those bytes rather than as UTF-8 text.
func (v *vm) byteString(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	s := string(r)
	v.fn.byteStrings[s] = true
	return s
}

// latin1 is the bytes of a string whose characters are all below U+0100; nil when one is not.
func latin1(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil
		}
		out = append(out, byte(r))
	}
	return out
}

// byteStringHelpers adds cloudfront-js-1.0's non-standard String methods: String.bytesFrom,
// and fromBytes, fromUTF8, toBytes and toUTF8 on strings (2.0 removed them for Buffer).
func (v *vm) byteStringHelpers() {
	rt := v.rt
	str := rt.Get("String").ToObject(rt)
	proto := str.Get("prototype").ToObject(rt)
	def := func(o *goja.Object, name string, f func(goja.FunctionCall) goja.Value) {
		_ = o.DefineDataProperty(name, rt.ToValue(f), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	// slice applies the optional start and end arguments of the methods, as String#slice does.
	slice := func(call goja.FunctionCall) string {
		s := []rune(call.This.String())
		start, end := 0, len(s)
		if a := call.Argument(0); !goja.IsUndefined(a) {
			start = clampIndex(int(a.ToInteger()), len(s))
		}
		if a := call.Argument(1); !goja.IsUndefined(a) {
			end = clampIndex(int(a.ToInteger()), len(s))
		}
		if start > end {
			return ""
		}
		return string(s[start:end])
	}
	def(str, "bytesFrom", func(call goja.FunctionCall) goja.Value {
		arg, enc := call.Argument(0), call.Argument(1)
		if o, ok := arg.(*goja.Object); ok && o.ClassName() == "Array" {
			n := int(o.Get("length").ToInteger())
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(o.Get(itoa(i)).ToInteger())
			}
			return rt.ToValue(v.byteString(b))
		}
		var (
			b   []byte
			err error
		)
		switch s := arg.String(); enc.String() {
		case "hex":
			b, err = hex.DecodeString(s)
		case "base64":
			b, err = base64.StdEncoding.DecodeString(padBase64(s))
		case "base64url":
			b, err = base64.URLEncoding.DecodeString(padBase64(s))
		default:
			panic(rt.NewTypeError("String.bytesFrom: unknown encoding %s (hex, base64 or base64url)", enc.String()))
		}
		if err != nil {
			panic(rt.NewTypeError("String.bytesFrom: the %s text is invalid: %v", enc.String(), err))
		}
		return rt.ToValue(v.byteString(b))
	})
	def(proto, "fromBytes", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(slice(call))
	})
	def(proto, "fromUTF8", func(call goja.FunctionCall) goja.Value {
		b := latin1(slice(call))
		if b == nil || !utf8.Valid(b) {
			return goja.Null()
		}
		return rt.ToValue(string(b))
	})
	def(proto, "toBytes", func(call goja.FunctionCall) goja.Value {
		b := latin1(slice(call))
		if b == nil {
			return goja.Null()
		}
		return rt.ToValue(v.byteString(b))
	})
	def(proto, "toUTF8", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(v.byteString([]byte(slice(call))))
	})
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

// padBase64 restores the padding CloudFront accepts being left off.
func padBase64(s string) string {
	if n := len(s) % 4; n != 0 {
		s += strings.Repeat("=", 4-n)
	}
	return s
}
