package dev.stockade.internal.workers;

import dev.stockade.EndReason;

/**
 * Why a worker retires once idle: the reason its end reports, and the words the log gives it.
 *
 * @param reason {@code RECYCLED}, {@code IDLE_TIMEOUT} or {@code HEALTH_CHECK_FAILED}
 * @param because why, as the log says it
 */
record Retirement(EndReason reason, String because) {}
