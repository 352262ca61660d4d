// How partner code uses the generated types. `tsc --strict --noEmit` checks this file against
// schema.graphql: a renamed field, a changed type or a new UserErrorCode fails the check.
import type { AvailabilityQuery, RegisterInput, RegisterMutation, TypedDocumentString, UserErrorCode } from "./gql/graphql";
import { availabilityDocument, registerDocument } from "./operations";

// execute POSTs one operation and returns its data, typed by the document.
export async function execute<TResult, TVariables>(
  endpoint: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  apiKey?: string,
): Promise<TResult> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json",
  };
  if (apiKey !== undefined) {
    headers["Authorization"] = `Bearer ${apiKey}`;
  }
  const response = await fetch(endpoint, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as {
    data?: TResult | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (body.errors !== undefined && body.errors.length > 0) {
    const [first] = body.errors;
    throw new Error(`${first?.extensions?.code ?? response.status}: ${first?.message}`);
  }
  if (body.data == null) {
    throw new Error(`no data (HTTP ${response.status})`);
  }
  return body.data;
}

type Slot = AvailabilityQuery["slots"]["edges"][number]["node"];

// describeSlot reads the slot as the schema types it: DateTime is a string, RFC 3339 with the
// Paris offset, so its first 16 characters are the Paris wall-clock date and time.
export function describeSlot(slot: Slot): string {
  const startsAt: string = slot.startsAt;
  const seatsLeft: number = slot.seatsLeft;
  const seats = seatsLeft === 0 ? "complet" : `${seatsLeft} place${seatsLeft > 1 ? "s" : ""}`;
  return `${startsAt.slice(0, 10)} ${startsAt.slice(11, 16)} ${slot.workshop.title} (${slot.venue.name}, ${slot.workshop.topics.join(", ")}): ${seats}`;
}

// advice says what to do about a refusal. The switch is exhaustive: a code added to the schema
// fails tsc at `unhandled` until it has a case here.
export function advice(code: UserErrorCode): string {
  switch (code) {
    case "SLOT_FULL":
      return "no seat left: offer the waiting list (joinWaitlist: true)";
    case "REGISTRATION_CLOSED":
    case "REGISTRATION_NOT_OPEN":
    case "SLOT_CANCELLED":
    case "SLOT_STARTED":
    case "NOT_FOUND":
      return "this slot cannot be booked now: choose another one";
    case "ALREADY_REGISTERED":
      return "this person already has a seat or a waiting-list place on this slot";
    case "INVALID_PHONE":
    case "INVALID_EMAIL":
    case "CONTACT_REQUIRED":
      return "check the phone number or the email";
    case "CONSENT_REQUIRED":
      return "the person must read and accept the consent text";
    case "REQUIRED":
    case "TOO_LONG":
    case "INVALID":
      return "fix the field named by the error";
    case "IDEMPOTENCY_KEY_REUSED":
      return "use a new idempotency key for a different request";
    // Codes of other mutations, not returned by register.
    case "TAKEN":
    case "INVALID_RANGE":
    case "NONEXISTENT_LOCAL_TIME":
    case "CAPACITY_BELOW_SEATS_TAKEN":
    case "ARCHIVED":
    case "WRONG_ORGANISATION":
    case "ALREADY_CANCELLED":
    case "SLOT_NOT_STARTED":
    case "NOT_CONFIRMED":
    case "NOT_ENOUGH_FREE_SEATS":
    case "NOT_WAITLISTED":
    case "MESSAGE_PENDING":
    case "LIMIT_REACHED":
    case "OVERLAP":
    case "NOT_PRESENT":
    case "ALREADY_ORIENTED":
    case "ALREADY_ANSWERED":
    case "OUT_OF_ORDER":
    case "ALREADY_ATTENDED":
    case "ALREADY_REQUESTED":
    case "NOT_OPEN":
    case "NOT_FIRST":
    case "NOT_IN_STOCK":
    case "NOT_PROPOSED":
    case "NOT_GIVEN":
      return "unexpected for a registration";
    case "QUOTA_REACHED":
      return "this department's seats on this slot are all taken: ask the host, or choose another slot";
    default: {
      // A server newer than these types may still send a code unknown here.
      const unhandled: never = code;
      return `unknown refusal ${String(unhandled)}`;
    }
  }
}

// firstSlotAndRegister books the first slot with free seats in Stains for one person.
export async function firstSlotAndRegister(endpoint: string): Promise<string> {
  const page = await execute(endpoint, availabilityDocument, {
    postalCodes: ["93240"],
    availableOnly: true,
    first: 5,
  });
  const slot = page.slots.edges[0]?.node;
  if (slot === undefined) {
    return "no slot with free seats";
  }
  const input: RegisterInput = {
    slotId: slot.id,
    joinWaitlist: true,
    participant: {
      firstName: "Awa",
      lastName: "Diallo",
      phone: "06 12 34 56 78",
      consent: true,
      consentVersion: "2026-11",
    },
  };
  const result: RegisterMutation = await execute(endpoint, registerDocument, { input });
  const { registration, userErrors } = result.register;
  if (registration === null) {
    return userErrors.map((e) => `${e.code}: ${advice(e.code)}`).join("; ");
  }
  const place = registration.waitlistPosition === null ? "" : ` #${registration.waitlistPosition}`;
  return `${describeSlot(slot)} -> ${registration.status}${place}, code ${registration.confirmationCode}`;
}
