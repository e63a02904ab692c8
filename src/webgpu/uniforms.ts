// A uniform-buffer layout declared once and used twice: to print the WGSL struct and to pack the host values
// into bytes, so the two can never disagree. Field types are the ones the kernels need: f32, i32, u32 scalars
// (4-byte aligned) and vec4<f32> (16-byte aligned; 3-vectors travel as vec4 to keep the rules simple).

export type FieldType = 'f32' | 'i32' | 'u32' | 'vec4f';

export interface UniformLayout<K extends string> {
  readonly name: string;
  readonly fields: readonly (readonly [K, FieldType])[];
  readonly offsets: Record<K, number>;
  /** Size in bytes, a multiple of 16. */
  readonly size: number;
  /** `struct Name { ... }` in WGSL. */
  readonly wgsl: string;
  /** Packs values (numbers, or up to 4 numbers for vec4f) into a fresh ArrayBuffer of `size` bytes. */
  pack(values: Record<K, number | readonly number[]>): ArrayBuffer;
}

export function uniformLayout<K extends string>(name: string, fields: readonly (readonly [K, FieldType])[]): UniformLayout<K> {
  const offsets = {} as Record<K, number>;
  let at = 0;
  for (const [key, type] of fields) {
    const align = type === 'vec4f' ? 16 : 4;
    at = Math.ceil(at / align) * align;
    offsets[key] = at;
    at += type === 'vec4f' ? 16 : 4;
  }
  const size = Math.ceil(at / 16) * 16;
  const wgsl = `struct ${name} {\n${fields.map(([k, t]) => `  ${k}: ${t === 'vec4f' ? 'vec4<f32>' : t},`).join('\n')}\n}\n`;
  return {
    name, fields, offsets, size, wgsl,
    pack(values) {
      const buf = new ArrayBuffer(size);
      const view = new DataView(buf);
      for (const [key, type] of fields) {
        const v: number | readonly number[] = values[key];
        if (v === undefined) throw new Error(`uniform ${name}.${key} has no value`);
        const o = offsets[key];
        if (type === 'vec4f') {
          const a = typeof v === 'number' ? [v] : v;
          if (a.length > 4) throw new Error(`uniform ${name}.${key}: ${a.length} components for a vec4`);
          a.forEach((x, i) => view.setFloat32(o + 4 * i, x, true));
        } else {
          if (typeof v !== 'number') throw new Error(`uniform ${name}.${key} is a scalar`);
          if (type === 'f32') view.setFloat32(o, v, true);
          else if (type === 'i32') {
            if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new Error(`uniform ${name}.${key} = ${v} is not an i32`);
            view.setInt32(o, v, true);
          } else {
            if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new Error(`uniform ${name}.${key} = ${v} is not a u32`);
            view.setUint32(o, v, true);
          }
        }
      }
      return buf;
    },
  };
}

/** Per-dispatch tile record (base item, end item), read through a dynamic uniform offset. */
export const TILE = uniformLayout('Tile', [['base', 'u32'], ['end', 'u32'], ['pad0', 'u32'], ['pad1', 'u32']] as const);
