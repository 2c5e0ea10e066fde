# Draws kernelspec/logo-32x32.png and logo-64x64.png (run once from kernelspec/; the PNGs are committed
# and embedded in Sources/glassbox/KernelLogos.swift by write_logo_source below, together with the
# hand-written vector logo logo-svg.svg, which JupyterLab prefers on high-density screens).
import zlib, struct, math
def png(w, h, px):
    raw = b''.join(b'\x00' + bytes(sum((list(px(x, y)) for x in range(w)), [])) for y in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
def hot(t):
    t = max(0, min(1, t))
    return (int(255*min(1, t*3)), int(255*min(1, max(0, t*3-1))), int(255*min(1, max(0, t*3-2))))
def logo(n):
    s = n / 64.0
    def px(x, y):
        fx, fy = (x + .5) / s, (y + .5) / s   # 64-unit design space
        r = 12
        dx = max(abs(fx - 32) - (32 - 2 - r), 0); dy = max(abs(fy - 32) - (32 - 2 - r), 0)
        d = math.hypot(dx, dy) - r
        if d > 0.5 / s * 0 + 0.7: return (0, 0, 0, 0)
        a = 255 if d < -0.7 else int(255 * (0.7 - d) / 1.4)
        # background: deep blue gradient
        t = fy / 64
        bg = (int(22 + 20*t), int(40 + 30*t), int(90 + 60*t))
        # glass box: a 36x36 square outline with a heatmap inside
        if 14 <= fx <= 50 and 14 <= fy <= 50:
            if fx < 17 or fx > 47 or fy < 17 or fy > 47:
                return (235, 242, 255, a)
            v = math.exp(-((fx-36)**2 + (fy-28)**2) / 60) + 0.6*math.exp(-((fx-26)**2 + (fy-40)**2) / 40)
            return hot(v) + (a,)
        return bg + (a,)
    return png(n, n, px)
for n in (32, 64):
    open(f'logo-{n}x{n}.png', 'wb').write(logo(n))

def write_logo_source(path='../Sources/glassbox/KernelLogos.swift'):
    import base64
    lines = ['import Foundation', '',
             '/// The kernelspec logos (generated from kernelspec/logo-* by kernelspec/make_logos.py).',
             'enum KernelLogos {',
             '    /// File name → PNG or SVG bytes, copied next to kernel.json on install.',
             '    static let files: [String: Data] = [']
    for n in (32, 64):
        b64 = base64.b64encode(open(f'logo-{n}x{n}.png', 'rb').read()).decode()
        lines.append(f'        "logo-{n}x{n}.png": Data(base64Encoded: "{b64}")!,')
    svg = base64.b64encode(open('logo-svg.svg', 'rb').read()).decode()
    lines.append(f'        "logo-svg.svg": Data(base64Encoded: "{svg}")!,')
    lines += ['    ]', '}', '']
    open(path, 'w').write('\n'.join(lines))

write_logo_source()
