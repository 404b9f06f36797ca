// Hashes one upload part (a Blob slice of the chosen file) off the page's thread: {id, blob} -> {id, md5}.
import { Md5, toBase64 } from "./uploadMd5";

const CHUNK = 4 * 1024 * 1024;

self.onmessage = async (ev: MessageEvent<{ id: number; blob: Blob }>) => {
  const { id, blob } = ev.data;
  try {
    const h = new Md5();
    for (let off = 0; off < blob.size; off += CHUNK) {
      h.update(new Uint8Array(await blob.slice(off, off + CHUNK).arrayBuffer()));
    }
    self.postMessage({ id, md5: toBase64(h.digest()) });
  } catch (e) {
    self.postMessage({ id, error: String((e as Error)?.message || e) });
  }
};
