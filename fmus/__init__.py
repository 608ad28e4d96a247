"""fmus"""
