// Promise.withResolvers (ES2024) for Node 20: PostGraphile v5 (grafast, @dataplan/pg, grafserv) calls it
// and declares Node >= 22, where V8 has it; newsgraph runs on Node 20. Imported first by postgraphile.mjs,
// so that both servers run on the same Node. Behaves as the built-in does.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
