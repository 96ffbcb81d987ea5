// The dependency rule (issue 18): data flows one way, storage -> model -> session -> protocol -> function. Each entry
// of LAYERS is one layer, lowest first; a module may import its own folder and lower layers only, never a sibling of
// its layer (siblings share through a lower module) and never a higher one. Import cycles fail too. Run by `npm test`
// (`npm run check:deps`). Parsed with swc: dependency-cruiser cannot use TypeScript 7.0's compiler API.
const LAYERS = [
  ['src/errors.ts'],
  ['src/graph'],
  ['src/tensor', 'src/mindir', 'src/mslite'],
  ['src/model'],
  ['src/runtime', 'src/store'],
  ['src/placement'],
  ['src/repository'],
  ['src/serving', 'src/batch'],
  ['src/tasks', 'src/client'],
  ['infra'],
  ['src/cli', 'src/index.ts', 'functions'],
];

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A folder matches itself and what is below it; a file matches itself.
const pattern = (part) => `^${escapeRegExp(part)}${part.endsWith('.ts') ? '$' : '(/|$)'}`;
const anyOf = (parts) => parts.map(pattern).join('|');

const rules = [
  {
    name: 'no-cycles',
    comment: 'An import cycle: one of its modules must move down, or the shared part into a lower module.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
];
LAYERS.forEach((layer, index) => {
  const higher = LAYERS.slice(index + 1).flat();
  for (const part of layer) {
    if (higher.length > 0)
      rules.push({
        name: `no-upward-from-${part}`,
        comment: `${part} is in layer ${index}; it may not import a higher layer (${higher.join(', ')}).`,
        severity: 'error',
        from: { path: pattern(part) },
        to: { path: anyOf(higher) },
      });
    const siblings = layer.filter((other) => other !== part);
    if (siblings.length > 0)
      rules.push({
        name: `no-sibling-from-${part}`,
        comment: `${part} may not import its siblings (${siblings.join(', ')}): share through a lower module.`,
        severity: 'error',
        from: { path: pattern(part) },
        to: { path: anyOf(siblings) },
      });
  }
});
rules.push({
  name: 'no-src-to-tools',
  comment: 'Shipped code never imports tests or scripts.',
  severity: 'error',
  from: { path: '^(src|functions|infra)/' },
  to: { path: '^(test|scripts)/' },
});

module.exports = {
  forbidden: rules,
  options: {
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.gen\\.' },
  },
};
