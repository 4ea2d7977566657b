package jsruntime

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// hashes are the algorithms createHash and createHmac accept.
var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha224": sha256.New224,
	"sha384": sha512.New384, "sha512": sha512.New,
}

// maxRandomBytes bounds randomBytes, so that a hook cannot allocate without limit in one call.
const maxRandomBytes = 1 << 20

// cryptoModule is the subset of Node's crypto that edge functions use, written in Go.
func (v *vm) cryptoModule() goja.Value {
	rt := v.rt
	m := rt.NewObject()
	_ = m.Set("createHash", func(call goja.FunctionCall) goja.Value {
		return v.hashObject(call.Argument(0).String(), nil)
	})
	_ = m.Set("createHmac", func(call goja.FunctionCall) goja.Value {
		key := buffer.DecodeBytes(rt, call.Argument(1), goja.Undefined())
		return v.hashObject(call.Argument(0).String(), key)
	})
	_ = m.Set("randomBytes", func(call goja.FunctionCall) goja.Value {
		n := call.Argument(0).ToInteger()
		if n < 0 || n > maxRandomBytes {
			panic(rt.NewTypeError("randomBytes: size must be between 0 and %d", maxRandomBytes))
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		buf := buffer.WrapBytes(rt, b)
		if cb, ok := goja.AssertFunction(call.Argument(1)); ok {
			_, err := cb(goja.Undefined(), goja.Null(), buf)
			if err != nil {
				panic(err)
			}
			return goja.Undefined()
		}
		return buf
	})
	_ = m.Set("randomUUID", func(goja.FunctionCall) goja.Value { return rt.ToValue(uuid4()) })
	_ = m.Set("timingSafeEqual", func(call goja.FunctionCall) goja.Value {
		a := buffer.DecodeBytes(rt, call.Argument(0), goja.Undefined())
		b := buffer.DecodeBytes(rt, call.Argument(1), goja.Undefined())
		if len(a) != len(b) {
			panic(rt.NewGoError(errRangeLengths))
		}
		return rt.ToValue(subtle.ConstantTimeCompare(a, b) == 1)
	})
	_ = m.Set("getHashes", func(goja.FunctionCall) goja.Value {
		names := make([]any, 0, len(hashes))
		for n := range hashes {
			names = append(names, n)
		}
		return rt.NewArray(names...)
	})
	return m
}

type rangeError string

func (e rangeError) Error() string { return string(e) }

const errRangeLengths = rangeError("Input buffers must have the same byte length")

// hashObject is a Hash or Hmac: update(data[, encoding]) and digest([encoding]).
func (v *vm) hashObject(alg string, key []byte) goja.Value {
	rt := v.rt
	mk, ok := hashes[strings.ToLower(alg)]
	if !ok {
		panic(rt.NewGoError(rangeError("Digest method not supported: " + alg)))
	}
	var h hash.Hash
	if key != nil {
		h = hmac.New(mk, key)
	} else {
		h = mk()
	}
	obj := rt.NewObject()
	done := false
	_ = obj.Set("update", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(rt.NewGoError(rangeError("Digest already called")))
		}
		h.Write(buffer.DecodeBytes(rt, call.Argument(0), call.Argument(1)))
		return obj
	})
	_ = obj.Set("digest", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(rt.NewGoError(rangeError("Digest already called")))
		}
		done = true
		return buffer.EncodeBytes(rt, h.Sum(nil), call.Argument(0))
	})
	return obj
}

// uuid4 is a random (version 4) UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}
