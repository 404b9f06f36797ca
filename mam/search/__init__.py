"""Search: text analysis (Chinese segmentation, pinyin, English terms) and engine-neutral query parsing."""
