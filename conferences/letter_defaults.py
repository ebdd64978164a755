"""The default words of each letter to the other authority (seed 003's protocol letter in
substance). The data migration loads them into `LetterTemplate` rows, which administrators edit
in the Django admin; the code falls back to these only if a row is missing."""

DOCUMENT_LIST = """\
- a copy of the current Child Protection Plan
- copies of all previous Child Protection Case Conference minutes
- a copy of the last Core Group meeting minutes
- a current risk assessment reflecting the impact of the family's move
- a chronology of significant events
- a viability assessment of carers (including confirmation of PNC and DBS checks)
- at least 48 hours before the Transfer In conference, an updated report for the Transfer In \
Child Protection Case Conference provided for the Independent Chair and Team Manager, having \
been shared with the family"""

DEFAULTS = {
    "acknowledgement": {
        "subject": "Transfer-in conference request received: our reference {{ reference }}",
        "body": """\
Dear {{ social_worker }}

Re: Request for Transfer-In Child Protection Case Conference re {{ children_names }}

Thank you for your request for a Transfer In Child Protection Case Conference for the above \
{{ child_or_children }}, received by our Multi-Agency Safeguarding Hub.

We have passed the details to our Case Conference team and the Service Manager for Quality \
Assurance. A Case Conference Administrator will contact you shortly with our protocol and the \
information we need.

Our reference: {{ reference }}

Yours sincerely

MASH
""",
    },
    "protocol": {
        "subject": "Request for Transfer-In Child Protection Case Conference: {{ reference }}",
        "body": """\
Dear Colleague

Re: Request for Transfer-In Child Protection Case Conference re {{ children_names }}
{% for child in children %}
- {{ child.full_name }}, born {{ child.date_of_birth|date:"j F Y" }}\
{% if child.reference %} (our reference {{ child.reference }}){% endif %}{% endfor %}

Thank you for your recent communication in respect of the above {{ child_or_children }} moving \
to this area.

In order to progress your request for a Transfer in Child Protection Case Conference, under the \
terms of our protocol further information and action is requested:

Documentation required:

{{ documents }}

Action required:

- In advance of Conference, Local Core Group of professionals identified by yourselves (please \
request further information on local links if necessary), provided with Child Protection Plan \
and included on invitation list to Conference

On receipt of the above, the allocated Independent Chair will contact you to discuss the issues \
relating to Conference and a Case Conference administrator will contact you to agree the \
invitation list.

We look forward to hearing from you.

Yours sincerely

Independent Chair
{{ cca_team }}
Our reference: {{ reference }}
""",
    },
    "accepted": {
        "subject": "Transfer-in conference request accepted: {{ reference }}",
        "body": """\
Dear {{ social_worker }}

Re: Request for Transfer-In Child Protection Case Conference re {{ children_names }}

Thank you for the information you sent about the above {{ child_or_children }}. Having \
discussed it with the receiving team manager, we agree to hold a Transfer In Child Protection \
Case Conference.

Our reasons:
{{ reasons }}

We will offer you a tentative date based on the date the family moved into our area \
({{ moved_in_on|date:"j F Y" }}). Please contact our Case Conference team 2 weeks before that \
date to finalise the arrangements. Our locality team will agree with you the welfare visits it \
will make on your behalf. Until the date of the Transfer In conference, responsibility for the \
{% if several %}children{% else %}child{% endif %} remains with {{ requesting_authority }}.

Our reference: {{ reference }}

Yours sincerely

{{ signed }}
Service Manager, Quality Assurance
""",
    },
    "declined": {
        "subject": "Transfer-in conference request declined: {{ reference }}",
        "body": """\
Dear {{ social_worker }}

Re: Request for Transfer-In Child Protection Case Conference re {{ children_names }}

Thank you for the information you sent about the above {{ child_or_children }}. Having \
discussed it with the receiving team manager, we are not able to agree to a Transfer In Child \
Protection Case Conference at this time, for the reasons set out in our policy on transfer in \
requests:

{{ reasons }}

Responsibility for the {% if several %}children{% else %}child{% endif %} remains with \
{{ requesting_authority }}. Please contact us if anything changes.

Our reference: {{ reference }}

Yours sincerely

{{ signed }}
Service Manager, Quality Assurance
""",
    },
    "outstanding": {
        "subject": "Transfer-in conference: information still needed ({{ reference }})",
        "body": """\
Dear {{ social_worker }}

Re: Transfer-In Child Protection Case Conference re {{ children_names }}
{% if conference_at %}
The conference is arranged for {{ conference_at|date:"l j F Y \\a\\t H:i" }}.
{% endif %}
To prepare for the conference we still need:

{{ outstanding }}

Please also confirm the invitation list, including the local Core Group of professionals, and \
remember that the updated report for the Independent Chair and Team Manager, shared with the \
family, is due at least 48 hours before the conference.

Our reference: {{ reference }}

Yours sincerely

Case Conference Administrator
{{ cca_team }}
""",
    },
}
