package dev.stockade.spring;

/**
 * A value a JSON codec carries.
 *
 * @param title the page's title
 * @param width its width
 */
public record Page(String title, int width) {}
