// Maps without the internet: the installation's own tiles (`map.tiles_url` from /api/v1/ui/config) or, with
// none, an offline base map of country and province outlines from echarts 4's bundled GeoJSON (china.json
// is "UTF8Encoding"-compressed; world.json is plain). The data files are fetched only when a map needs them.
import chinaUrl from "echarts/map/json/china.json?url";
import worldUrl from "echarts/map/json/world.json?url";

export interface MapConfig { tiles_url: string | null; attribution: string | null }

type Ring = [number, number][];
export interface Geo {
  type: "FeatureCollection";
  features: { type: "Feature"; properties: Record<string, unknown>;
              geometry: { type: "Polygon" | "MultiPolygon"; coordinates: unknown[] } | null }[];
}

let config: Promise<MapConfig> | null = null;

/** The map settings of this installation (asked once per page load). */
export function mapConfig(): Promise<MapConfig> {
  config ??= fetch("/api/v1/ui/config", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : {}) as Promise<{ map?: { tiles_url?: string; attribution?: string } }>)
    .then((c) => ({ tiles_url: c?.map?.tiles_url || null, attribution: c?.map?.attribution || null }))
    .catch(() => ({ tiles_url: null, attribution: null }));
  return config;
}

// echarts 4 (src/coord/geo/parseGeoJson.js): each ring is a string of char pairs, zigzag- and delta-coded
// from the ring's encodeOffsets, scaled by UTF8Scale (default 1024).
function decodeRing(coded: string, offsets: [number, number], scale: number): Ring {
  const out: Ring = [];
  let px = offsets[0], py = offsets[1];
  for (let i = 0; i < coded.length; i += 2) {
    let x = coded.charCodeAt(i) - 64, y = coded.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    x += px; y += py; px = x; py = y;
    out.push([x / scale, y / scale]);
  }
  return out;
}

/** echarts' `decode`: the GeoJSON with plain [lon, lat] rings (returned as is when not compressed). */
export function decodeEcharts(json: Geo & { UTF8Encoding?: boolean; UTF8Scale?: number }): Geo {
  if (!json.UTF8Encoding) return json;
  const scale = json.UTF8Scale ?? 1024;
  for (const f of json.features) {
    const g = f.geometry as ({ type: string; coordinates: unknown[]; encodeOffsets: unknown[] }) | null;
    if (!g) continue;
    g.coordinates = g.coordinates.map((c, i) => {
      if (g.type === "Polygon") return decodeRing(c as string, g.encodeOffsets[i] as [number, number], scale);
      return (c as string[]).map((p, j) => decodeRing(p, (g.encodeOffsets[i] as [number, number][])[j], scale));
    });
    delete (g as { encodeOffsets?: unknown }).encodeOffsets;
  }
  json.UTF8Encoding = false;
  return json;
}

let outlines: Promise<{ world: Geo; china: Geo }> | null = null;

/** Country outlines (world) and China's provinces, decoded, loaded once. */
export function baseOutlines(): Promise<{ world: Geo; china: Geo }> {
  const get = (url: string) => fetch(url).then((r) => {
    if (!r.ok) throw new Error(`base map ${url}: ${r.status}`);
    return r.json();
  }).then((j: Geo) => {
    // echarts' world.json leaves out each feature's "type"; Leaflet wants it
    j.features = j.features.filter((f) => f.geometry).map((f) => ({ ...f, type: "Feature" as const, properties: f.properties || {} }));
    return decodeEcharts(j);
  });
  outlines ??= Promise.all([get(worldUrl), get(chinaUrl)]).then(([world, china]) => ({ world, china }));
  outlines.catch(() => { outlines = null; });
  return outlines;
}

export interface TrackFeature {
  type: "Feature";
  geometry: { type: "LineString" | "Point"; coordinates: number[][] | number[] } | null;
  properties: { t_s: number[]; rel_alt_m?: (number | null)[]; alt_ref?: string | null; [k: string]: unknown };
}

/** [lat, lon] pairs of a track (GeoJSON is [lon, lat]). */
export function trackLatLngs(track: TrackFeature | null): [number, number][] {
  const g = track?.geometry;
  if (!g) return [];
  const coords = (g.type === "Point" ? [g.coordinates] : g.coordinates) as number[][];
  return coords.map((c) => [c[1], c[0]]);
}

/** Where the aircraft was at `t` seconds into the clip: interpolated between the time-stamped points. */
export function positionAt(track: TrackFeature | null, t: number): [number, number] | null {
  const pts = trackLatLngs(track);
  const ts = track?.properties?.t_s || [];
  if (!pts.length) return null;
  if (pts.length !== ts.length || t <= ts[0]) return pts[0];
  if (t >= ts[ts.length - 1]) return pts[pts.length - 1];
  let lo = 0, hi = ts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid; else hi = mid;
  }
  const span = ts[hi] - ts[lo];
  const k = span > 0 ? (t - ts[lo]) / span : 0;
  return [pts[lo][0] + (pts[hi][0] - pts[lo][0]) * k, pts[lo][1] + (pts[hi][1] - pts[lo][1]) * k];
}

/** The clip time of the track point nearest to [lat, lon] (for "click the track to seek there"). */
export function timeNear(track: TrackFeature | null, lat: number, lon: number): number | null {
  const pts = trackLatLngs(track);
  const ts = track?.properties?.t_s || [];
  if (!pts.length || pts.length !== ts.length) return null;
  let best = 0, bestD = Infinity;
  const k = Math.cos((lat * Math.PI) / 180);
  pts.forEach(([a, b], i) => {
    const d = (a - lat) ** 2 + ((b - lon) * k) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  });
  return ts[best];
}
