package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A connection's content as it is to be put in effect, already parsed by its kind: room, kind,
 * state key, the content as written to room state, and the kind's config record.
 */
record Change<C>(
    String roomId, ConnectionKind<C> kind, String stateKey, ObjectNode content, C config) {
  /** Parses {@code content}; throws BadInput naming the field and the rule. */
  static <C> Change<C> of(
      String roomId, ConnectionKind<C> kind, String stateKey, ObjectNode content) {
    return new Change<>(roomId, kind, stateKey, content, kind.parse(stateKey, content));
  }

  /** Parses content that room state holds ({@link ConnectionKind#parseState}). */
  static <C> Change<C> fromState(
      String roomId, ConnectionKind<C> kind, String stateKey, ObjectNode content) {
    return new Change<>(roomId, kind, stateKey, content, kind.parseState(stateKey, content));
  }
}
