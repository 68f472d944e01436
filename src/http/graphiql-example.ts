/** The operation GraphiQL opens with: every quote, who said it, and the words that prove it. */
export const exampleQuery = /* GraphQL */ `# Welcome to newsgraph: the knowledge in a news article as a graph.
# Press the run button (or Ctrl-Enter) to list every statement with its speaker,
# their roles, where it was said and the exact words in the source.
# Open the Docs pane (top left) to read about every type and field.

query StatementsWithSpeakers {
  dataset {
    version
    counts { persons statements events }
  }
  statements(first: 30) {
    totalCount
    edges {
      node {
        kind
        text
        attribution
        speaker {
          displayName
          isNamed
          roles { title organization { name } country { name } }
        }
        relayedBy { displayName }
        event { name start { text inferred } }
        date { text inferred }
        mentions { entity { __typename displayName } evidence { text } }
        evidence { start end }
      }
    }
  }
  islamicState: organization(slug: "islamic-state") {
    name
    aliases
    mentionedIn(first: 5) { totalCount edges { node { text speaker { displayName } } } }
  }
}
`;
