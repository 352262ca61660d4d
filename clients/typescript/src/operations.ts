// The operations of this client. graphql-codegen reads every graphql(`...`) call in src/ and
// types it: the result and the variables of each operation come from schema.graphql.
import { graphql } from "./gql";

// Upcoming slots at venues with these postal codes, by start time, a page at a time.
export const availabilityDocument = graphql(`
  query Availability($postalCodes: [PostalCode!]!, $availableOnly: Boolean!, $first: Int!, $after: String) {
    slots(filter: { postalCodes: $postalCodes, availableOnly: $availableOnly }, first: $first, after: $after) {
      edges {
        node {
          id
          startsAt
          endsAt
          seatsLeft
          workshop {
            title
            topics
          }
          venue {
            name
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

// A seat (or a place on the waiting list) for one person on one slot.
export const registerDocument = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      registration {
        status
        waitlistPosition
        confirmationCode
      }
      manageToken
      userErrors {
        field
        message
        code
      }
    }
  }
`);
