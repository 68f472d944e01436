/** The operation GraphiQL opens with: every statement, who said it, which sources report it and their words. */
export const exampleQuery = /* GraphQL */ `# Welcome to newsgraph: what news reports say, as one graph.
# Press the run button (or Ctrl-Enter) to list every statement with its speaker,
# their roles, where it was said, and each source's report with its exact words.
# Open the Docs pane (top left) to read about every type and field.

query StatementsWithSpeakers {
  dataset {
    version
    counts { sources persons statements events }
  }
  statements(first: 30) {
    totalCount
    edges {
      node {
        kind
        text
        sourceCount
        attributedTo {
          __typename
          ... on Person { displayName isNamed roles { title organization { name } country { name } } }
          ... on Organization { name }
          ... on Country { name }
          ... on SpeakerGroup { description }
        }
        saidAt { event { name start { text inferred } } provenance { inferred note } }
        date { text inferred }
        mentions { entity { __typename displayName } provenance { evidence { text } } }
        reports {
          source { title }
          text
          attribution { text }
          relayedBy { displayName }
          hedge { text }
          evidence { start end }
        }
      }
    }
  }
  corroborated: statements(filter: { minSources: 2 }) { totalCount }
  islamicState: organization(slug: "islamic-state") {
    name
    aliases
    mentionedIn(first: 5) { totalCount edges { node { text speaker { displayName } } } }
  }
}
`;
