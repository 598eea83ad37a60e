/** The YAML writer: what it writes reads back as the same values in a real YAML parser. */
import test from 'ava';
import { toYaml, toYamlStream } from '../../src/export/yaml.js';
import { parseYamlStream } from '../helpers/yaml.js';

test('strings that YAML would read as other types stay strings; nesting and empty values survive', (t) => {
  const value = {
    plain: 'text',
    tricky: ['yes', 'no', 'on', '0600', '1e3', 'null', '~', '', ': x', '# not a comment', '- item', 'a "quoted" \\ line\nand a second'],
    'key with space': 1,
    'cnpg.io/reload': '',
    nested: { list: [{ a: 'b', c: ['d'] }, 'e'], empty: [], none: {} },
    flag: true,
  };
  t.deepEqual(parseYamlStream(toYaml(value)), [value]);
});

test('a stream: header comments, then one document per object', (t) => {
  const text = toYamlStream([{ a: 'one' }, { b: ['two'] }], ['made here']);
  t.true(text.startsWith('# made here\n---\n'));
  t.deepEqual(parseYamlStream(text), [{ a: 'one' }, { b: ['two'] }]);
});

test('an undefined entry is left out, not written as null', (t) => {
  t.deepEqual(parseYamlStream(toYaml({ a: 'x', b: undefined })), [{ a: 'x' }]);
});
