/** Bench test fixtures shared by the heuristic and QAS tests. */
// The measured table of spec §3.4 (before the profile factor).
export const serviceRatesPerS = {
  A100_40GB: {
    CodingAgent: { '7g.40gb': 1.27, '4g.20gb': 1.97, '3g.20gb': 1.73, '2g.10gb': 2.2, '1g.10gb': 1.65 },
    RAGAgent: { '7g.40gb': 3.29, '4g.20gb': 3.68, '3g.20gb': 2.98, '2g.10gb': 5.08, '1g.10gb': 3.36 },
    ChatAgent: { '7g.40gb': 3.99, '4g.20gb': 4.76, '3g.20gb': 3.99, '2g.10gb': 7.02, '1g.10gb': 4.61 },
  },
  B200: {
    CodingAgent: {
      '7g.180gb': 1.5,
      '4g.90gb': 2.59,
      '3g.90gb': 2.2,
      '2g.45gb': 2.51,
      '1g.45gb': 1.81,
      '1g.23gb': 2.28,
    },
    RAGAgent: {
      '7g.180gb': 3.68,
      '4g.90gb': 5.08,
      '3g.90gb': 4.45,
      '2g.45gb': 5.15,
      '1g.45gb': 3.75,
      '1g.23gb': 3.44,
    },
    ChatAgent: {
      '7g.180gb': 4.61,
      '4g.90gb': 6.55,
      '3g.90gb': 5.93,
      '2g.45gb': 6.55,
      '1g.45gb': 4.76,
      '1g.23gb': 4.76,
    },
  },
};
