import { Collapse } from 'antd-mobile';
import { useCampaign } from '../campaign.js';
import { ContactList } from '../components/ContactList.js';
import { Page } from '../components/Page.js';
import { FAQ } from '../faq.js';

export default function Faq() {
  const { campaign } = useCampaign();
  return (
    <Page title="常见问题">
      <Collapse defaultActiveKey={['0', '1']}>
        {FAQ.map((f, i) => (
          <Collapse.Panel key={String(i)} title={f.q}>
            {f.a.map((line) => (
              <p key={line} className="faq-line">
                {line}
              </p>
            ))}
          </Collapse.Panel>
        ))}
      </Collapse>
      <h3 className="card-title">仍有问题？</h3>
      <ContactList contacts={campaign?.support ?? []} />
    </Page>
  );
}
