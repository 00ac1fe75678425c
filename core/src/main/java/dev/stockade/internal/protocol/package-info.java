/**
 * The worker protocol's frames as bytes (see {@code docs/protocol.md}): their types, the reader
 * that checks every header before it trusts it, the writer that never interleaves two frames, and
 * the payloads of HELLO and ERROR. Used by the supervisor ({@code internal.workers}) and by the JVM
 * runtime ({@code internal.runtime}); it uses no other package of Stockade.
 */
package dev.stockade.internal.protocol;
