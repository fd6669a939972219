"""Innovation points screens: projects and their editor, score runs and their confirmation,
results with every breakdown, 我的创新积分."""
