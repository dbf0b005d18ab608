#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of the data files that no stock validator covers.

  check-data.py icon FILE SIZE            a well-formed SVG of SIZE x SIZE with some drawing
  check-data.py flatpak MANIFEST APP_ID   the Flatpak manifest parses and builds the app with meson
  check-data.py demo-files DEMO_DIR       the demo batch has what the README promises
  check-data.py demo-import CLI DEMO_DIR  labelbench-cli imports the demo batch without a rejection
  check-data.py app-id SRCDIR APP_ID      the app id is used consistently everywhere
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
IMAGE_EXT = ('.png', '.jpg', '.jpeg')


def fail(msg):
    print('FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)


def check_icon(path, size):
    if not os.path.isfile(path):
        fail(f'{path}: missing')
    root = ET.parse(path).getroot()
    if root.tag != SVG + 'svg':
        fail(f'{path}: root element is {root.tag}, not svg')
    want = f'0 0 {size} {size}'
    if root.get('viewBox') != want:
        fail(f'{path}: viewBox is {root.get("viewBox")!r}, want {want!r}')
    shapes = [e for e in root.iter() if e.tag in (SVG + 'path', SVG + 'circle', SVG + 'rect', SVG + 'use')]
    if not shapes:
        fail(f'{path}: draws nothing')
    print(f'{path}: {size}x{size} SVG with {len(shapes)} shapes')


def check_flatpak(path, app_id):
    with open(path, encoding='utf-8') as f:
        m = json.load(f)
    for key, want in (('id', app_id), ('command', 'labelbench'),
                      ('runtime', 'org.gnome.Platform'), ('sdk', 'org.gnome.Sdk')):
        if m.get(key) != want:
            fail(f'{path}: "{key}" is {m.get(key)!r}, want {want!r}')
    if not str(m.get('runtime-version', '')).strip():
        fail(f'{path}: no runtime-version')
    args = m.get('finish-args', [])
    # the network is for the http and postgres sync sinks; everything else works offline
    for need in ('--socket=wayland', '--socket=fallback-x11', '--share=ipc', '--share=network'):
        if need not in args:
            fail(f'{path}: finish-args lack {need}')
    last = m['modules'][-1]
    if last.get('name') != 'labelbench' or last.get('buildsystem') != 'meson':
        fail(f'{path}: the last module must build labelbench with meson')
    print(f'{path}: ok ({m["runtime"]}//{m["runtime-version"]}, {len(m["modules"])} module(s))')


def demo_contents(demo):
    images, texts = [], []
    for dirpath, dirnames, filenames in os.walk(demo):
        for name in filenames:
            p = os.path.join(dirpath, name)
            if name.lower().endswith(IMAGE_EXT):
                images.append(p)
            elif name.endswith('.txt'):
                texts.append(p)
    return sorted(images), sorted(texts)


def check_demo_files(demo):
    schema_path = os.path.join(demo, 'schema.json')
    with open(schema_path, encoding='utf-8') as f:
        schema = json.load(f)
    labels = schema.get('labels', [])
    decisions = {d['id']: d for d in schema.get('decisions', [])}
    if len(labels) < 2 or any(not l.get('hotkey') or not l.get('color') for l in labels):
        fail(f'{schema_path}: want at least two labels, each with a hotkey and a colour')
    for need in ('approve', 'reject', 'escalate'):
        if need not in decisions or not decisions[need].get('hotkey'):
            fail(f'{schema_path}: decision {need} missing or without hotkey')
    if not decisions['reject'].get('needs_reason'):
        fail(f'{schema_path}: reject should need a reason')
    keys = [l['hotkey'] for l in labels] + [d['hotkey'] for d in decisions.values()]
    if len(set(k.lower() for k in keys)) != len(keys):
        fail(f'{schema_path}: hotkeys clash: {keys}')
    reasons = schema.get('reasons', [])
    if not any(r.get('children') for r in reasons):
        fail(f'{schema_path}: reasons are not a two-level tree')
    for r in reasons:
        for c in r.get('children', []):
            if not c['id'].startswith(r['id'] + '/'):
                fail(f'{schema_path}: child reason {c["id"]} is not under {r["id"]}/')
    images, texts = demo_contents(demo)
    exts = {os.path.splitext(p)[1].lower() for p in images}
    if len(images) < 5 or '.png' not in exts or not exts & {'.jpg', '.jpeg'}:
        fail(f'{demo}: want at least 5 images, PNG and JPEG: {images}')
    total = sum(os.path.getsize(p) for p in images + texts)
    if total > 3 * 1024 * 1024:
        fail(f'{demo}: {total} bytes, keep the demo under 3 MiB')
    chinese = 0
    for p in texts:
        with open(p, 'rb') as f:
            body = f.read().decode('utf-8')  # must be UTF-8
        if not body.strip():
            fail(f'{p}: empty')
        if any('\u4e00' <= ch <= '\u9fff' for ch in body):
            chinese += 1
    if len(texts) < 6 or chinese < 3 or len(texts) - chinese < 3:
        fail(f'{demo}: want several English and several Chinese texts ({len(texts)}, {chinese} Chinese)')
    if not os.path.isfile(os.path.join(demo, 'CREDITS.md')):
        fail(f'{demo}: CREDITS.md (sources and licences) missing')
    print(f'{demo}: {len(images)} images, {len(texts)} texts ({chinese} Chinese), {total} bytes')


def check_demo_import(cli, demo):
    images, texts = demo_contents(demo)
    with tempfile.TemporaryDirectory(prefix='lb-demo-') as tmp:
        store = os.path.join(tmp, 'demo.db')
        r = subprocess.run([cli, 'import', '--store', store, demo],
                           capture_output=True, text=True, timeout=120)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            fail(f'labelbench-cli import of the demo exited {r.returncode}, want 0')
        r = subprocess.run([cli, 'items', '--store', store, '--json'],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            fail(f'labelbench-cli items exited {r.returncode}')
        items = json.loads(r.stdout)
        kinds = [i.get('kind') for i in items]
        if kinds.count('image') != len(images) or kinds.count('text') != len(texts):
            fail(f'store holds {kinds.count("image")} images and {kinds.count("text")} texts, '
                 f'want {len(images)} and {len(texts)}')
        # Re-importing the same batch must not duplicate anything.
        r = subprocess.run([cli, 'import', '--store', store, demo],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            fail(f're-import of the demo exited {r.returncode}')
        r = subprocess.run([cli, 'items', '--store', store, '--json'],
                           capture_output=True, text=True, timeout=120)
        if len(json.loads(r.stdout)) != len(items):
            fail('re-importing the demo duplicated items')
    print(f'demo imports: {len(images)} images and {len(texts)} texts')


def check_app_id(src, app_id):
    path_form = '/' + app_id.replace('.', '/') + '/'
    problems = []

    desktop = os.path.join(src, 'data', app_id + '.desktop.in')
    with open(desktop, encoding='utf-8') as f:
        keys = dict(l.rstrip('\n').split('=', 1) for l in f if '=' in l and not l.startswith('#'))
    if keys.get('Icon') != app_id:
        problems.append(f'{desktop}: Icon={keys.get("Icon")}, want {app_id}')

    metainfo = os.path.join(src, 'data', app_id + '.metainfo.xml.in')
    root = ET.parse(metainfo).getroot()
    if root.findtext('id') != app_id:
        problems.append(f'{metainfo}: <id> is {root.findtext("id")}')
    if root.findtext('launchable') != app_id + '.desktop':
        problems.append(f'{metainfo}: <launchable> is {root.findtext("launchable")}')

    gschema = os.path.join(src, 'data', app_id + '.gschema.xml')
    schema = ET.parse(gschema).getroot().find('schema')
    if schema.get('id') != app_id or schema.get('path') != path_form:
        problems.append(f'{gschema}: schema id/path are {schema.get("id")} {schema.get("path")}')

    for icon in ('scalable/apps/' + app_id + '.svg', 'symbolic/apps/' + app_id + '-symbolic.svg'):
        if not os.path.isfile(os.path.join(src, 'data', 'icons', 'hicolor', icon)):
            problems.append(f'icon {icon} missing')

    gresource = os.path.join(src, 'resources', 'labelbench.gresource.xml')
    prefixes = [g.get('prefix') for g in ET.parse(gresource).getroot().iter('gresource')]
    if path_form.rstrip('/') not in [p.rstrip('/') for p in prefixes]:
        problems.append(f'{gresource}: no resource prefix {path_form.rstrip("/")} ({prefixes})')

    manifest = os.path.join(src, 'flatpak', app_id + '.json')
    with open(manifest, encoding='utf-8') as f:
        if json.load(f).get('id') != app_id:
            problems.append(f'{manifest}: id differs')

    if problems:
        fail('; '.join(problems))
    print(f'{app_id}: desktop file, metainfo, schema, icons, resources and Flatpak agree')


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    cmd = argv[1]
    if cmd == 'icon' and len(argv) == 4:
        check_icon(argv[2], int(argv[3]))
    elif cmd == 'flatpak' and len(argv) == 4:
        check_flatpak(argv[2], argv[3])
    elif cmd == 'demo-files' and len(argv) == 3:
        check_demo_files(argv[2])
    elif cmd == 'app-id' and len(argv) == 4:
        check_app_id(argv[2], argv[3])
    elif cmd == 'demo-import' and len(argv) == 4:
        check_demo_import(argv[2], argv[3])
    else:
        fail(__doc__)


if __name__ == '__main__':
    main(sys.argv)
