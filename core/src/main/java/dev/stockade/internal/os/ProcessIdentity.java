package dev.stockade.internal.os;

/**
 * A process as the kernel knows it for its whole life: its pid and its start time (clock ticks
 * after boot, field 22 of {@code /proc/PID/stat}). A pid is reused after the process dies; the pair
 * never is, so every signal Stockade sends is checked against it.
 */
public record ProcessIdentity(long pid, long startTime) {}
