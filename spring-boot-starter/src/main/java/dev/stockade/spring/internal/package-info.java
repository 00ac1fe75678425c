/**
 * The starter's machinery, not an API: it may change in any release. What it does is described by
 * {@link dev.stockade.spring.StockadeAutoConfiguration}.
 */
package dev.stockade.spring.internal;
