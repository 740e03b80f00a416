"""A local Slack for trying Seatkeeper without a workspace: the Web API emulated (the same
answers and refusals as Slack's), Block Kit checked as Slack checks it, and the browser
sandbox that plays Slack's people. Imports the composition root only in its entry points.
"""
