// MD5 (RFC 1321) of upload parts, for the Content-MD5 header every part carries: the API and S3 refuse a
// part whose bytes changed on the way, and a presigned S3 part URL is signed for that checksum. Web Crypto
// has no MD5 (and no digest at all outside a secure context: an intranet served over plain HTTP), so it is
// computed here, in a worker (uploadMd5.worker.ts) so the page stays responsive.

const S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;
const G = new Uint8Array(64);
for (let i = 0; i < 64; i++) G[i] = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;

export class Md5 {
  private h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  private block = new Uint8Array(64);
  private filled = 0;
  private length = 0; // bytes seen
  private m = new Int32Array(16);

  update(data: Uint8Array): this {
    let i = 0;
    this.length += data.length;
    if (this.filled) {
      const take = Math.min(64 - this.filled, data.length);
      this.block.set(data.subarray(0, take), this.filled);
      this.filled += take;
      i = take;
      if (this.filled < 64) return this;
      this.compress(this.block, 0);
      this.filled = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.filled = data.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.filled < 56 ? 56 : 120) - this.filled) + 8);
    pad[0] = 0x80;
    const n = pad.length - 8;
    const lo = bits >>> 0, hi = Math.floor(bits / 0x100000000) >>> 0;
    for (let j = 0; j < 4; j++) { pad[n + j] = (lo >>> (8 * j)) & 0xff; pad[n + 4 + j] = (hi >>> (8 * j)) & 0xff; }
    this.length -= pad.length; // padding does not count
    this.update(pad);
    const out = new Uint8Array(16);
    for (let j = 0; j < 4; j++) for (let b = 0; b < 4; b++) out[4 * j + b] = (this.h[j] >>> (8 * b)) & 0xff;
    return out;
  }

  private compress(d: Uint8Array, o: number): void {
    const m = this.m;
    for (let j = 0; j < 16; j++, o += 4) m[j] = d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24);
    let a = this.h[0], b = this.h[1], c = this.h[2], dd = this.h[3];
    for (let i = 0; i < 64; i++) {
      let f: number;
      if (i < 16) f = (b & c) | (~b & dd);
      else if (i < 32) f = (dd & b) | (~dd & c);
      else if (i < 48) f = b ^ c ^ dd;
      else f = c ^ (b | ~dd);
      f = (f + a + K[i] + m[G[i]]) | 0;
      a = dd; dd = c; c = b;
      b = (b + ((f << S[i]) | (f >>> (32 - S[i])))) | 0;
    }
    this.h[0] = (this.h[0] + a) | 0; this.h[1] = (this.h[1] + b) | 0;
    this.h[2] = (this.h[2] + c) | 0; this.h[3] = (this.h[3] + dd) | 0;
  }
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
