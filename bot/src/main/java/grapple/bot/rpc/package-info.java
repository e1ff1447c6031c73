/**
 * The JSON-RPC API ({@code POST /_admin/api}, seed "RhodeCode API"): one endpoint, methods declared
 * once as data; and {@code grapple api}, its command-line client.
 */
@NullMarked
package grapple.bot.rpc;

import org.jspecify.annotations.NullMarked;
